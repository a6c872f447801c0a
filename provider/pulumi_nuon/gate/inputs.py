"""What a gate is asked: its wait options (:class:`WaitOptions`, the gate's rows of the option table), its inputs
checked as every front end checks them (:func:`check_gate_inputs`), and which deploys it passed before
(:func:`previous_passes`).

A provider's check and diff need only this module: it loads neither httpx nor pydantic nor the waiter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_nuon.core import constants as C
from pulumi_nuon.core.errors import InvalidArgumentError
from pulumi_nuon.core.options import DEPLOY_GATE, auto_concurrency, check_inputs, check_value, diff_inputs

__all__ = ["WaitOptions", "check_gate_inputs", "previous_passes"]

_GATE = DEPLOY_GATE.input


@dataclass(frozen=True)
class WaitOptions:
    """How to wait: the gate's options with ``wait=True`` in the option table (:data:`~pulumi_nuon.core.options.
    DEPLOY_GATE`), with its defaults and bounds. Times are seconds; ``None`` means no separate limit.

    Raises :class:`~pulumi_nuon.core.errors.InvalidArgumentError` (its ``problems`` name each option) when the
    options cannot work. The poll interval is checked here against its loopback minimum; the stricter minimum
    for a remote API is checked by :func:`wait_for_deploys`, which knows the client's URL.
    """

    build_id: str | None = _GATE("build_id").default
    """Pass only when the deploy to wait for is of this build; deploys of other builds are waited past."""
    timeout_seconds: float = _GATE("timeout_seconds").default
    poll_interval_seconds: float = _GATE("poll_interval_seconds").default
    accept_auto_skipped: bool = _GATE("accept_auto_skipped").default
    fail_on_pending_approval: bool = _GATE("fail_on_pending_approval").default
    """Fail when a deploy is still ``pending-approval`` one poll interval after it was first seen there (every
    apply passes through ``pending-approval`` briefly, even with auto-approval)."""
    approval_timeout_seconds: float | None = _GATE("approval_timeout_seconds").default
    not_found_grace_seconds: float | None = _GATE("not_found_grace_seconds").default
    max_concurrency: int | None = _GATE("max_concurrency").default
    """None: scaled to the fleet and the poll interval (:meth:`concurrency`)."""
    jitter: float = C.POLL_JITTER
    """Each sleep is the poll interval less up to this fraction, so a fleet's polls spread out."""
    timeout_from: str = ""
    """What set ``timeout_seconds``, when not the gate's own option (a shorter limit from outside, such as the
    resource's ``customTimeouts``): the timeout message names it."""

    def __post_init__(self) -> None:
        problems = []
        for option in DEPLOY_GATE.inputs:
            if option.wait:
                try:
                    value = check_value(option, getattr(self, option.name), loopback=True)
                    object.__setattr__(self, option.name, value)
                except InvalidArgumentError as err:
                    problems += err.problems
        names = {name for name, _ in problems}
        if (
            not names & {"timeout_seconds", "poll_interval_seconds"}
            and self.poll_interval_seconds > self.timeout_seconds
        ):
            problems.append(
                (
                    "poll_interval_seconds",
                    f"poll_interval_seconds ({self.poll_interval_seconds:g}) must not exceed timeout_seconds "
                    f"({self.timeout_seconds:g})",
                )
            )
        if not isinstance(self.jitter, (int, float)) or not 0 <= self.jitter < 1:
            problems.append(("jitter", f"jitter must be in [0, 1), got {self.jitter}"))
        if problems:
            raise InvalidArgumentError(problems)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> WaitOptions:
        """The options among a gate's ``inputs`` (a missing or None value takes the table's default)."""
        given = {o.name: inputs[o.name] for o in DEPLOY_GATE.inputs if o.wait and inputs.get(o.name) is not None}
        return cls(**given)

    def concurrency(self, installs: int) -> int:
        """Requests in flight at most when watching ``installs`` installs: ``max_concurrency``, or when unset
        :func:`~pulumi_nuon.core.options.auto_concurrency` for the fleet and the poll interval."""
        if self.max_concurrency is not None:
            return self.max_concurrency
        return auto_concurrency(installs, self.poll_interval_seconds)

    @property
    def effective_approval_timeout(self) -> float | None:
        if self.fail_on_pending_approval:
            limit = self.poll_interval_seconds
            return limit if self.approval_timeout_seconds is None else min(limit, self.approval_timeout_seconds)
        return self.approval_timeout_seconds


def check_gate_inputs(
    values: Mapping[str, Any], *, known: Callable[[Any], bool] = lambda _: True, loopback: bool = False
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A gate's inputs checked as every front end checks them: (normalised inputs, [(input, reason), ...]).

    The option table's per-input checks, then the gate's own rules: exactly one of ``install_id`` and
    ``install_ids`` (a single install becomes ``install_ids=[install_id]``), and options that work together
    (:class:`WaitOptions`). Values for which ``known`` is False (unknown in a preview) are not checked.
    ``loopback``: the API URL the gate will poll is a loopback address (a faster poll interval is allowed).
    """
    inputs, problems = check_inputs(DEPLOY_GATE, values, known=known, loopback=loopback)
    single, fleet = values.get("install_id"), values.get("install_ids")
    if single is not None and fleet is not None:
        problems.append(("install_ids", "set install_id or install_ids, not both"))
    elif single is None and fleet is None:
        problems.append(("install_id", "set install_id (one install) or install_ids (a fleet)"))
    elif single is not None and known(single) and not any(name == "install_id" for name, _ in problems):
        inputs["install_ids"] = [inputs["install_id"]]
    waits = [o.name for o in DEPLOY_GATE.inputs if o.wait]
    if all(known(inputs.get(name)) for name in waits) and not any(name in waits for name, _ in problems):
        try:
            WaitOptions.from_inputs(inputs)
        except InvalidArgumentError as err:
            problems += err.problems
    return inputs, problems


def previous_passes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str]:
    """On a gate's update: install id → the deploy it passed last, which must not count again; usually empty.

    Only a change of ``triggers`` (the user's "something new was deployed") excludes the deploys already passed,
    and only without ``build_id`` (a pinned build decides by itself). A stricter rule (``accept_auto_skipped``
    false, ``fail_on_pending_approval`` true, ``skip_wait`` false) re-judges the current deploys instead, and a
    gate that never passed (``skip_wait``, or a failure) excludes nothing.
    """
    if news.get("build_id") is not None or not olds.get("passed_at"):
        return {}
    _, updates = diff_inputs(DEPLOY_GATE, olds, news)
    if "triggers" not in updates:
        return {}
    deploys = olds.get("deploy_ids") or {}
    return {i: d for i, d in deploys.items() if isinstance(d, str) and d}
