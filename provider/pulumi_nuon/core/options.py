"""The option table: every input and output of the package's resources and functions, declared once.

Each :class:`Option` says its name, type, default, bounds, one-line doc, what a change of it means to a resource
(replace it, read or wait again, or nothing) and its ``pulumi-nuon`` CLI flag. Built from this table:

- the checks of every front end (:func:`check_inputs`: the dynamic providers' ``check``, the native plugin's);
- the diff rule (:func:`diff_inputs`);
- :class:`~pulumi_nuon.gate.wait.WaitOptions` (its fields and defaults are the rows with ``wait=True``);
- the CLI's ``wait`` flags and messages, and the option tables of docs/reference.md (:func:`render_options_markdown`);
- the native provider's schema (names in camelCase, types, docs, defaults).

Python signatures (``DeployGate.__init__``, ``DeployGateArgs``) are written out for type checkers, and a test
fails when they drift from this table. No Pulumi here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import InvalidArgumentError, InvalidIdError
from pulumi_nuon.core.ids import validate_id, validate_nuon_id
from pulumi_nuon.core.status import DeployPhase

__all__ = [
    "COMPONENT_RELEASES",
    "DEPLOY_GATE",
    "GET_COMPONENT_RELEASES",
    "GET_LATEST_DEPLOY",
    "LATEST_DEPLOY",
    "REQUEST_TIMEOUT",
    "SPECS",
    "TIMEOUT",
    "Change",
    "InputType",
    "Operation",
    "Option",
    "OutputSpec",
    "OutputType",
    "Spec",
    "auto_concurrency",
    "camel",
    "check_inputs",
    "check_limit",
    "check_value",
    "checked",
    "diff_inputs",
    "input_doc",
    "render_options_markdown",
]

InputType = Literal["id", "ids", "string", "number", "integer", "boolean", "any"]
"""``id``: a Nuon id (checked before any request); ``ids``: a non-empty list of them; ``any``: any JSON value."""
OutputType = Literal["string", "number", "integer", "boolean", "string_list", "string_map", "object_list", "any"]
Change = Literal["replace", "update", "update_when_true", "update_when_false", "none"]
"""What a change of an input means to a resource: replace it (another thing is read), update it (read or wait
again), update only when it changed to true / to false (a stricter gate re-checks, a looser one does not), or
nothing (the new value is only recorded)."""


@dataclass(frozen=True)
class Option:
    """One input of a resource or function."""

    name: str
    type: InputType
    doc: str
    default: Any = None
    required: bool = False
    minimum: float | None = None
    """Inclusive lower bound for numbers."""
    maximum: float | None = None
    """Inclusive upper bound for numbers."""
    positive: bool = False
    """Numbers must be greater than zero (an exclusive lower bound of 0)."""
    loopback_minimum: float | None = None
    """A lower ``minimum`` that holds when the API URL is a loopback address (a local simulator)."""
    change: Change = "none"
    cli: str | None = None
    """The ``pulumi-nuon`` flag (or positional argument) that sets it, or None when the CLI has none. The CLI's
    messages name the option by it."""
    wait: bool = False
    """A field of :class:`~pulumi_nuon.gate.wait.WaitOptions` of the same name."""
    id_kind: str | None = None
    """For ``id``/``ids``: the kind of Nuon id (``install``, ``component``, ``build``), whose shape is checked."""
    default_text: str | None = None
    """What the docs say the default is, when it is computed rather than a value (``default`` is then None)."""

    @property
    def camel_name(self) -> str:
        """The name in Pulumi's camelCase (native provider, stack config)."""
        return camel(self.name)

    def bounds_text(self) -> str:
        """What values are allowed, in words (used in error messages and docs)."""
        if self.type in ("number", "integer"):
            kind = "a whole number" if self.type == "integer" else "a number"
            parts = []
            if self.positive:
                parts.append("greater than 0")
            if self.minimum is not None:
                loopback = f" ({self.loopback_minimum:g} on a loopback API URL)" if self.loopback_minimum else ""
                parts.append(f"at least {self.minimum:g}{loopback}")
            if self.maximum is not None:
                parts.append(f"at most {self.maximum:g}")
            return f"{kind} {' and '.join(parts)}".strip() if parts else kind
        return {
            "id": "a Nuon id",
            "ids": "a non-empty list of Nuon ids",
            "string": "a string",
            "boolean": "true or false",
            "any": "any value",
        }[self.type]


@dataclass(frozen=True)
class OutputSpec:
    """One output of a resource or function (the flat values every front end shows)."""

    name: str
    type: OutputType
    doc: str

    @property
    def camel_name(self) -> str:
        return camel(self.name)


Operation = Literal["wait", "latest_deploy", "releases"]
"""What a resource's create and update (or a function's call) do: wait as a gate, or read the latest deploy or the
releases (:func:`pulumi_nuon.gate.operations.read_values`)."""


@dataclass(frozen=True)
class Spec:
    """A resource or function: its inputs and outputs, as every front end exposes them, and what it does.

    Front ends act on these fields, never on which spec it is."""

    name: str
    """The Pulumi name: ``DeployGate`` (token ``nuon:index:DeployGate``) or ``getLatestDeploy``."""
    kind: Literal["resource", "function"]
    doc: str
    inputs: tuple[Option, ...]
    outputs: tuple[OutputSpec, ...]
    operation: Operation
    id_inputs: tuple[str, ...] = ()
    """A resource's id: these inputs joined by ``/`` (so a read by id alone recovers them); when empty, a fresh
    ``<id_prefix>-<uuid>``."""
    id_prefix: str = ""

    @property
    def waits(self) -> bool:
        """Create and update wait (a gate): a change "waits again", a refresh keeps what was recorded, and the
        checks include the gate's rules across inputs."""
        return self.operation == "wait"

    @property
    def checks_depend_on_url(self) -> bool:
        """Some input's bounds depend on whether the API URL is a loopback address (its ``loopback_minimum``)."""
        return any(o.loopback_minimum is not None for o in self.inputs)

    def input(self, name: str) -> Option:
        """The input called ``name`` (KeyError if there is none)."""
        for option in self.inputs:
            if option.name == name:
                return option
        raise KeyError(name)

    @property
    def defaults(self) -> dict[str, Any]:
        """Each input's default."""
        return {o.name: o.default for o in self.inputs}


def camel(name: str) -> str:
    """``timeout_seconds`` → ``timeoutSeconds``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def auto_concurrency(installs: int, poll_interval_seconds: float) -> int:
    """``max_concurrency`` when unset: the least that lets one round of polls of ``installs`` take
    ``ROUND_SHARE`` of the poll interval at ``ASSUMED_READ_SECONDS`` a read, within the auto bounds (see
    :mod:`~pulumi_nuon.core.constants` for the measurements behind them)."""
    wanted = math.ceil(installs * C.ASSUMED_READ_SECONDS / (poll_interval_seconds * C.ROUND_SHARE))
    return min(C.AUTO_CONCURRENCY_MAX, max(C.AUTO_CONCURRENCY_MIN, wanted))


# --- the tables -------------------------------------------------------------------------------------------------

_TRIGGERS = Option(
    "triggers",
    "any",
    "Any value; when it changes, the resource reads (or waits) again. E.g. a commit sha or an image tag.",
    change="update",
)
_ALWAYS_REFRESH = Option(
    "always_refresh",
    "boolean",
    "Read again on every update (shows as an update each time).",
    default=False,
)
_COMPONENT_ID = Option(
    "component_id", "id", "The component's id (`cmp…`).", required=True, change="replace", id_kind="component"
)
_INSTALL_ID = Option(
    "install_id", "id", "The install's id (`inl…`).", required=True, change="replace", id_kind="install"
)
_LIMIT = Option(
    "limit",
    "integer",
    "Read only the newest N releases (default: all).",
    minimum=1,
    maximum=C.RELEASES_PAGE_SIZE * C.MAX_RELEASE_PAGES,
    change="update",
    cli="--limit",
)

DEPLOY_GATE = Spec(
    "DeployGate",
    "resource",
    "Waits until the latest deploy of a component is done on one install or a fleet; fails the update if not.",
    (
        Option(
            "component_id",
            "id",
            "The component whose deploys to wait for (`cmp…`).",
            required=True,
            change="update",
            cli="--component",
            id_kind="component",
        ),
        Option(
            "install_id",
            "id",
            "One install to wait on (`inl…`); or use `install_ids`.",
            change="update",
            id_kind="install",
        ),
        Option(
            "install_ids",
            "ids",
            "Installs to wait on concurrently (a fleet); or use `install_id`.",
            change="update",
            cli="INSTALL...",
            id_kind="install",
        ),
        Option(
            "build_id",
            "id",
            "Wait for a deploy of this build (`bld…`): the pin that says which deploy counts. Deploys of other "
            "builds are waited past.",
            change="update",
            cli="--build-id",
            wait=True,
            id_kind="build",
        ),
        Option(
            "timeout_seconds",
            "number",
            "Give up after this many seconds.",
            default=1200.0,
            positive=True,
            maximum=C.MAX_WAIT_SECONDS,
            cli="--timeout",
            wait=True,
        ),
        Option(
            "poll_interval_seconds",
            "number",
            "Seconds between polls of each install (less up to 10% jitter).",
            default=10.0,
            minimum=C.MIN_POLL_INTERVAL,
            loopback_minimum=C.LOOPBACK_MIN_POLL_INTERVAL,
            maximum=C.MAX_WAIT_SECONDS,
            cli="--interval",
            wait=True,
        ),
        Option(
            "accept_auto_skipped",
            "boolean",
            "Pass on `auto-skipped` (a no-op plan; nothing was applied).",
            default=True,
            change="update_when_false",
            cli="--no-accept-auto-skipped",
            wait=True,
        ),
        Option(
            "fail_on_pending_approval",
            "boolean",
            "Fail when a deploy still waits for approval one poll interval after it was first seen there.",
            default=False,
            change="update_when_true",
            cli="--fail-on-pending-approval",
            wait=True,
        ),
        Option(
            "approval_timeout_seconds",
            "number",
            "Fail when a deploy waits for approval longer than this (default: no separate limit).",
            minimum=0,
            maximum=C.MAX_WAIT_SECONDS,
            cli="--approval-timeout",
            wait=True,
        ),
        Option(
            "not_found_grace_seconds",
            "number",
            "Fail when Nuon still answers 404 (no deploy) after this many seconds.",
            default=300.0,
            minimum=0,
            maximum=C.MAX_WAIT_SECONDS,
            cli="--not-found-grace",
            wait=True,
        ),
        Option(
            "max_concurrency",
            "integer",
            "At most this many requests to Nuon in flight while watching a fleet. Default: enough for one round "
            f"of polls to take {C.ROUND_SHARE:.0%} of the poll interval at {C.ASSUMED_READ_SECONDS * 1000:g} ms a "
            f"read, from {C.AUTO_CONCURRENCY_MIN} to {C.AUTO_CONCURRENCY_MAX} (at a 10 s interval: "
            f"{auto_concurrency(200, 10)} for 200 installs, {auto_concurrency(500, 10)} for 500).",
            minimum=1,
            maximum=C.MAX_CONCURRENCY,
            cli="--concurrency",
            wait=True,
            default_text=f"by fleet size ({C.AUTO_CONCURRENCY_MIN}–{C.AUTO_CONCURRENCY_MAX})",
        ),
        _TRIGGERS,
        Option(
            "skip_wait",
            "boolean",
            "Record the current deploys without waiting (an escape hatch).",
            default=False,
            change="update_when_false",
        ),
    ),
    (
        OutputSpec("phase", "string", "`succeeded` when the gate passed (else the first install's phase)."),
        OutputSpec("deploy_id", "string", "With `install_id`: the deploy that passed."),
        OutputSpec("status", "string", "With `install_id`: that deploy's status."),
        OutputSpec("deploy_ids", "string_map", "The deploy seen on each install, by install id."),
        OutputSpec("statuses", "string_map", "The status seen on each install, by install id."),
        OutputSpec("passed_at", "string", "When the gate passed (RFC 3339, UTC); empty with `skip_wait`."),
    ),
    "wait",
    id_prefix="gate",
)

_DEPLOY_VALUES = (
    OutputSpec("found", "boolean", "False when Nuon has no deploy of the component on the install yet."),
    OutputSpec("deploy_id", "string", "The deploy's id (`dpl…`)."),
    OutputSpec("status", "string", "Nuon's status, e.g. `executing`, `pending-approval`, `active`, `error`."),
    OutputSpec("status_description", "string", "Nuon's human description of the status."),
    OutputSpec(
        "phase",
        "string",
        f"The status classified: {', '.join(phase.value for phase in DeployPhase)}.",
    ),
    OutputSpec("build_id", "string", "The build that was deployed (match it to a release's `build_id`)."),
    OutputSpec("release_id", "string", "The release *step* that made the deploy (not a release id)."),
    OutputSpec("install_deploy_type", "string", "The kind of deploy, e.g. `apply`, `sync-image`, `teardown`."),
    OutputSpec("created_at", "string", "When the deploy was created (RFC 3339)."),
    OutputSpec("updated_at", "string", "When the deploy last changed (RFC 3339)."),
)
_RELEASES_VALUES = (
    OutputSpec("release_ids", "string_list", "The release ids, newest first."),
    OutputSpec("latest_release_id", "string", "The newest release's id."),
    OutputSpec("latest_build_id", "string", "The newest release's build id: what a DeployGate can wait for."),
    OutputSpec("release_count", "integer", "How many releases were read (at most `limit`)."),
)

LATEST_DEPLOY = Spec(
    "LatestDeploy",
    "resource",
    "The latest deploy of a component on an install, held in state; `pulumi refresh` reads it again.",
    (_INSTALL_ID, _COMPONENT_ID, _TRIGGERS, _ALWAYS_REFRESH),
    _DEPLOY_VALUES,
    "latest_deploy",
    id_inputs=("install_id", "component_id"),
)
COMPONENT_RELEASES = Spec(
    "ComponentReleases",
    "resource",
    "A component's releases, held in state; `pulumi refresh` reads them again.",
    (_COMPONENT_ID, _LIMIT, _TRIGGERS, _ALWAYS_REFRESH),
    _RELEASES_VALUES,
    "releases",
    id_inputs=("component_id",),
)
GET_LATEST_DEPLOY = Spec(
    "getLatestDeploy",
    "function",
    "Read the latest deploy of a component on an install (`found` is false when there is none yet).",
    (_INSTALL_ID, _COMPONENT_ID),
    _DEPLOY_VALUES,
    "latest_deploy",
)
GET_COMPONENT_RELEASES = Spec(
    "getComponentReleases",
    "function",
    "Read a component's releases, newest first.",
    (_COMPONENT_ID, _LIMIT),
    _RELEASES_VALUES,
    "releases",
)
SPECS = (DEPLOY_GATE, LATEST_DEPLOY, COMPONENT_RELEASES, GET_LATEST_DEPLOY, GET_COMPONENT_RELEASES)

# The client's own time limits (arguments of NuonClient / AsyncNuonClient; REQUEST_TIMEOUT is also a connection
# setting, see pulumi_nuon.core.settings.SETTINGS).
TIMEOUT = Option(
    "timeout",
    "number",
    "The time limit of one attempt, from connecting to the last byte of the body.",
    default=C.DEFAULT_TIMEOUT,
    positive=True,
    maximum=C.MAX_REQUEST_TIMEOUT,
)
REQUEST_TIMEOUT = Option(
    "request_timeout",
    "number",
    "The time limit of one read from Nuon, every retry and every wait between retries included.",
    default=C.DEFAULT_REQUEST_TIMEOUT,
    positive=True,
    maximum=C.MAX_REQUEST_TIMEOUT,
)


# --- checks -----------------------------------------------------------------------------------------------------


def _number(option: Option, value: Any, loopback: bool) -> float | int:
    """``value`` as the option's number type, or raise InvalidArgumentError saying what is allowed."""
    allowed = option.bounds_text()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(f"{option.name} must be {allowed}, got {value!r}", option.name)
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{option.name} must be {allowed}, got {value!r}", option.name)
    number: float | int
    if option.type == "integer":
        if int(value) != value:
            raise InvalidArgumentError(f"{option.name} must be {allowed}, got {value!r}", option.name)
        number = int(value)
    else:
        number = float(value)
    minimum = option.loopback_minimum if loopback and option.loopback_minimum is not None else option.minimum
    too_small = (option.positive and number <= 0) or (minimum is not None and number < minimum)
    if too_small or (option.maximum is not None and number > option.maximum):
        raise InvalidArgumentError(f"{option.name} must be {allowed}, got {number:g}", option.name)
    return number


def _id(option: Option, name: str, value: Any) -> str:
    return validate_nuon_id(name, value, option.id_kind) if option.id_kind else validate_id(name, value)


def check_value(option: Option, value: Any, *, loopback: bool = False) -> Any:
    """``value`` normalised for ``option`` (numbers to float/int, ids checked, id lists de-duplicated);
    ``None`` stays ``None``. Raises :class:`InvalidArgumentError` naming the option and what it allows.
    ``loopback``: the API URL is a loopback address, so the option's ``loopback_minimum`` applies."""
    if value is None:
        return None
    if option.type in ("number", "integer"):
        return _number(option, value, loopback)
    if option.type == "boolean":
        if not isinstance(value, bool):
            raise InvalidArgumentError(f"{option.name} must be true or false, got {value!r}", option.name)
        return value
    if option.type == "id":
        return _id(option, option.name, value)
    if option.type == "ids":
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
            raise InvalidArgumentError(f"{option.name} must be {option.bounds_text()}, got {value!r}", option.name)
        for i, item in enumerate(value):
            _id(option, f"{option.name}[{i}]", item)
        return list(dict.fromkeys(value))
    if option.type == "string":
        if not isinstance(value, str):
            raise InvalidArgumentError(f"{option.name} must be a string, got {value!r}", option.name)
        return value
    return value


def check_limit(value: Any, argument: str = "limit") -> int | None:
    """A releases ``limit``: None (all), or a whole number ≥ 1 (whole floats too: the engine sends numbers as
    floats). Raises :class:`InvalidArgumentError` otherwise."""
    option = (
        _LIMIT if argument == "limit" else Option(argument, "integer", _LIMIT.doc, minimum=1, maximum=_LIMIT.maximum)
    )
    result = check_value(option, value)
    return None if result is None else int(result)


def check_inputs(
    spec: Spec,
    values: Mapping[str, Any],
    *,
    known: Callable[[Any], bool] = lambda _: True,
    defaults: bool = True,
    loopback: bool = False,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Check ``values`` against ``spec``'s inputs: (normalised values, [(input name, reason), ...]).

    Values for which ``known`` is False (unknown during a preview) are passed through unchecked. With
    ``defaults``, a missing input gets its default. Keys that are not inputs are kept as they are (a front end's
    own bookkeeping). Cross-input rules (``install_id`` or ``install_ids``) are the front ends' own checks.
    ``loopback``: the API URL is a loopback address (lower minimums, e.g. of the poll interval, apply).
    """
    out = dict(values)
    problems: list[tuple[str, str]] = []
    for option in spec.inputs:
        value = values.get(option.name)
        if value is None:
            if option.required:
                problems.append((option.name, f"{option.name} is required: {option.doc}"))
            elif defaults:
                out[option.name] = option.default
            continue
        if not known(value):
            continue
        if option.type == "ids" and isinstance(value, list) and not all(known(v) for v in value):
            continue
        try:
            out[option.name] = check_value(option, value, loopback=loopback)
        except InvalidIdError as err:
            problems.append((option.name, str(err)))
        except InvalidArgumentError as err:
            problems.extend(err.problems)
    return out, problems


def checked(spec: Spec, **values: Any) -> dict[str, Any]:
    """``values`` checked against ``spec``'s inputs (:func:`check_inputs`), or an :class:`InvalidArgumentError`
    naming every problem: the one input path of the front ends that read without a ``check`` step of their own (the
    data-source functions, plain and ``_output``, and the CLI's ``deploy`` and ``releases``)."""
    inputs, problems = check_inputs(spec, values)
    if problems:
        error_class = InvalidIdError if all(spec.input(name).type in ("id", "ids") for name, _ in problems) else None
        raise (error_class or InvalidArgumentError)(problems)
    return inputs


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def diff_inputs(spec: Spec, olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(inputs whose change replaces the resource, inputs whose change updates it), by each input's ``change``.

    A missing value compares as the input's default; numbers compare by value (``10`` equals ``10.0``).
    ``always_refresh=True`` updates every time.
    """
    replaces: list[str] = []
    updates: list[str] = ["always_refresh"] if news.get("always_refresh") is True else []
    for option in spec.inputs:
        old = _canonical(olds.get(option.name, option.default))
        new = _canonical(news.get(option.name, option.default))
        if old == new or option.change == "none":
            continue
        if option.change == "replace":
            replaces.append(option.name)
        elif (
            option.change == "update"
            or (option.change == "update_when_true" and new is True)
            or (option.change == "update_when_false" and new is False)
        ):
            updates.append(option.name)
    return replaces, updates


# --- docs -------------------------------------------------------------------------------------------------------


def _default_text(option: Option) -> str:
    if option.required:
        return "required"
    if option.default_text is not None:
        return option.default_text
    if option.default is None:
        return "—"
    if isinstance(option.default, bool):
        return "true" if option.default else "false"
    if isinstance(option.default, float):
        return f"{option.default:g}"
    return str(option.default)


def input_doc(option: Option) -> str:
    """An input's doc as the Python classes show it (a ``*Args`` field, an ``__init__`` parameter): the table's doc,
    then what it takes and its default. A test keeps the written-out docstrings equal to this."""
    if option.type == "any":
        return option.doc
    allowed = option.bounds_text()
    allowed = allowed[:1].upper() + allowed[1:]
    default = _default_text(option)
    if option.required:
        return f"{option.doc} {allowed}, required."
    return f"{option.doc} {allowed}." if default == "—" else f"{option.doc} {allowed}; default {default}."


_CHANGE_TEXT: dict[Change, str] = {
    "replace": "replaces",
    "update": "{verb} again",
    "update_when_true": "{verb} again when set to true",
    "update_when_false": "{verb} again when set to false",
    "none": "—",
}


def render_options_markdown(spec: Spec) -> str:
    """``spec``'s inputs as the Markdown table docs/reference.md shows (a test keeps the page equal to this)."""
    with_cli = any(o.cli for o in spec.inputs)
    head = ["input", "type", "default", "a change", *(["CLI"] if with_cli else []), "what"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for option in spec.inputs:
        change = _CHANGE_TEXT[option.change].format(verb="waits" if spec.waits else "reads")
        cells = [f"`{option.name}`", option.bounds_text(), _default_text(option), change]
        if with_cli:
            cells.append(f"`{option.cli}`" if option.cli else "—")
        lines.append("| " + " | ".join([*cells, option.doc]) + " |")
    return "\n".join(lines)
