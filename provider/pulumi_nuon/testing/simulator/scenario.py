"""Scenarios: a simulator's whole setup as a small JSON (or, on Python 3.11+, TOML) document.

A scenario names components, installs, releases, deploy timelines, faults and auto-advance; `build()` turns
it into a fresh `Simulator`. Built-in scenarios live in `pulumi_nuon/testing/scenarios/*.json` (`demo`,
`failure`).
`Scenario.load` takes a built-in name or a file path. Unknown fields are errors, so typos do not pass
silently.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pulumi_nuon.core.errors import NuonError

from .clock import Clock
from .faults import Fault
from .simulator import DEFAULT_ORG_ID, DEFAULT_TOKEN, Simulator
from .timeline import Timeline

__all__ = ["Scenario", "ScenarioError"]

_TOP = {
    "name",
    "description",
    "seed",
    "token",
    "org_id",
    "epoch",
    "releases_gone",
    "components",
    "installs",
    "releases",
    "deploys",
    "faults",
    "auto_advance",
}
_COMPONENT = {"name", "id", "type", "config_version"}
_INSTALL = {"name", "id", "components"}
_RELEASE = {
    "component",
    "count",
    "every_seconds",
    "at",
    "installs",
    "build_id",
    "status",
    "status_description",
    "timeline",
    "delay",
}
_DEPLOY = {"install", "component", "build_id", "at", "timeline", "plan_only", "deploy_type"}
_FAULT_RULE = {"route", "times", "probability"}
_FAULT_KINDS: dict[str, set[str]] = {
    "status": {"status"},
    "timeout": set(),
    "rate_limit": {"retry_after", "http_date"},
    "latency": {"seconds"},
    "reset": set(),
    "truncated_json": set(),
    "html": {"status"},
    "trickle": {"chunk_size", "seconds_per_chunk"},
}


class SimulatorError(NuonError):
    """The simulator cannot start: a scenario that cannot be used, or a port that cannot be bound."""


class ScenarioError(SimulatorError, ValueError):
    """A scenario that cannot be found, read or understood; the message says which and where."""


def _fields(entry: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise ScenarioError(f"{where}: expected an object, got {type(entry).__name__}")
    unknown = set(entry) - allowed
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return dict(entry)


def _fault(entry: dict[str, Any], where: str) -> Fault:
    kind = entry.pop("kind", None)
    if kind == "status":
        return Fault.http_status(int(entry.pop("status", 503)))
    if kind == "timeout":
        return Fault.timeout()
    if kind == "rate_limit":
        return Fault.rate_limit(entry.pop("retry_after", 1), http_date=bool(entry.pop("http_date", False)))
    if kind == "latency":
        return Fault.latency(float(entry.pop("seconds")))
    if kind == "reset":
        return Fault.reset()
    if kind == "truncated_json":
        return Fault.truncated_json()
    if kind == "html":
        return Fault.html(int(entry.pop("status", 502)))
    if kind == "trickle":
        return Fault.trickle(
            chunk_size=int(entry.pop("chunk_size", 64)),
            seconds_per_chunk=float(entry.pop("seconds_per_chunk", 0.01)),
        )
    raise ScenarioError(f"{where}: unknown fault kind {kind!r}; use one of {sorted(_FAULT_KINDS)}")


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario document. `build()` makes a new simulator from it each time."""

    data: Mapping[str, Any]
    source: str = "<dict>"
    name: str = field(default="")

    @classmethod
    def builtin_names(cls) -> list[str]:
        folder = resources.files("pulumi_nuon.testing").joinpath("scenarios")
        return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))

    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """A built-in scenario by name (`"demo"`, `"failure"`) or a scenario file by path."""
        text = str(name_or_path)
        if text in cls.builtin_names():
            resource = resources.files("pulumi_nuon.testing").joinpath("scenarios").joinpath(f"{text}.json")
            return cls.from_dict(json.loads(resource.read_text(encoding="utf-8")), source=f"built-in:{text}")
        path = Path(name_or_path)
        if path.is_file():
            return cls.from_file(path)
        raise ScenarioError(f"no scenario {text!r}: not a file, and not a built-in ({', '.join(cls.builtin_names())})")

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a `.json` file, or a `.toml` file on Python 3.11+."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise ScenarioError(f"cannot read scenario file {path}: {err}") from err
        try:
            if path.suffix.lower() != ".toml":
                data: Any = json.loads(raw)
            elif sys.version_info >= (3, 11):
                import tomllib

                data = tomllib.loads(raw.decode("utf-8"))
            else:
                raise ScenarioError(f"{path}: TOML scenarios need Python 3.11+ (tomllib); use JSON")
        except (ValueError, UnicodeDecodeError) as err:
            if isinstance(err, ScenarioError):
                raise
            raise ScenarioError(f"{path}: not a valid scenario document: {err}") from err
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Scenario:
        top = _fields(data, _TOP, source)
        scenario = cls(top, source, str(top.get("name") or Path(source).stem))
        scenario.build()  # fail now, with the file's name in the message, rather than at first use
        return scenario

    def build(
        self,
        *,
        clock: Clock | None = None,
        token: str | None = None,
        org_id: str | None = None,
        seed: int | None = None,
        hold_until_seen: bool = False,
    ) -> Simulator:
        """A fresh simulator set up as the scenario says; arguments override the scenario's own values
        (``hold_until_seen``: see :class:`Simulator`)."""
        data = self.data
        try:
            epoch = datetime.fromisoformat(str(data["epoch"]).replace("Z", "+00:00")) if "epoch" in data else None
            sim = Simulator(
                token=token or str(data.get("token", DEFAULT_TOKEN)),
                org_id=org_id or str(data.get("org_id", DEFAULT_ORG_ID)),
                seed=int(data.get("seed", 0)) if seed is None else seed,
                clock=clock,
                epoch=epoch,
                hold_until_seen=hold_until_seen,
            )
            sim.releases_gone = data.get("releases_gone")
            for i, raw in enumerate(data.get("components", [])):
                entry = _fields(raw, _COMPONENT, f"{self.source}: components[{i}]")
                sim.add_component(entry.pop("name"), **entry)
            for i, raw in enumerate(data.get("installs", [])):
                entry = _fields(raw, _INSTALL, f"{self.source}: installs[{i}]")
                sim.add_install(entry.pop("name"), id=entry.get("id"), components=entry.get("components", []))
            for i, raw in enumerate(data.get("releases", [])):
                self._releases(sim, _fields(raw, _RELEASE, f"{self.source}: releases[{i}]"))
            for i, raw in enumerate(data.get("deploys", [])):
                entry = _fields(raw, _DEPLOY, f"{self.source}: deploys[{i}]")
                if "timeline" in entry:
                    entry["timeline"] = Timeline.from_json(entry["timeline"])
                sim.trigger_deploy(entry.pop("install"), entry.pop("component"), **entry)
            for i, raw in enumerate(data.get("faults", [])):
                where = f"{self.source}: faults[{i}]"
                kind = raw.get("kind") if isinstance(raw, Mapping) else None
                entry = _fields(raw, _FAULT_RULE | {"kind"} | _FAULT_KINDS.get(str(kind), set()), where)
                rule = {k: entry.pop(k) for k in _FAULT_RULE if k in entry}
                sim.inject(_fault(entry, where), **rule)
            for route, seconds in dict(data.get("auto_advance", {})).items():
                sim.auto_advance(float(seconds), route=route)
        except ScenarioError:
            raise
        except (KeyError, TypeError, ValueError) as err:
            raise ScenarioError(f"{self.source}: {type(err).__name__}: {err}") from err
        return sim

    @staticmethod
    def _releases(sim: Simulator, entry: dict[str, Any]) -> None:
        count = int(entry.pop("count", 1))
        every = float(entry.pop("every_seconds", 3600.0))
        at = float(entry.pop("at", 0.0))
        if "timeline" in entry:
            entry["timeline"] = Timeline.from_json(entry["timeline"])
        if count != 1 and "build_id" in entry:
            raise ScenarioError("a release entry with 'count' > 1 cannot fix one 'build_id'")
        component = entry.pop("component")
        for i in range(count):
            sim.add_release(component, at=at - (count - 1 - i) * every, **entry)
