"""A gate's outputs as state keeps them, and back: the one place that knows the stored forms.

What users read — ``deploy_ids`` and ``statuses`` by install id, and ``install_ids`` — is the shape of
:func:`~pulumi_nuon.gate.views.gate_values` with the gate's inputs. State keeps it compact
(:func:`stored_gate_outputs`): ``install_ids`` is in the inputs only, and the two maps become one output,
:data:`FLEET`, which lists the installs' keys (:func:`install_key`: 8 hex digits of the id's SHA-256, concatenated,
in the order of the sorted ids) and, in the same order, the deploy and the status seen on each (one status, once,
when it is every install's). A provider that sees
only the old outputs and the new inputs (a dynamic provider's ``diff`` and ``update``) can so tell which install each
entry was and whether the fleet changed. 500 installs: 78 kB of state in 0.1.0, 63.5 kB with the install list once,
34 kB so (``tests/bench``: ``gate_state``).

:func:`gate_outputs_read` reads every form back into the shape users read, the forms earlier versions wrote
included: 0.1.0's (everything, ``install_ids`` too) and 0.2's (``install_ids`` left out, the maps by install id).
:func:`by_install` is the program's side of it: the dynamic ``DeployGate`` derives ``gate.deploy_ids`` and
``gate.statuses`` from :data:`FLEET` and the install ids the program passed. The native provider's outputs are
its schema's (the generated SDKs read them as they are), so it stores the shape users read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FLEET", "by_install", "gate_outputs_read", "install_key", "stored_gate_outputs"]

FLEET = "fleet"
"""The stored outputs' compact form of ``deploy_ids`` and ``statuses``: ``{"install_keys": "<8 hex digits per
install>", "deploy_ids": [...], "statuses": [...]}``, in the order of the sorted install ids; ``statuses`` is one
string when every install has that status. State only: no resource shows it."""
_KEYS = "install_keys"
_KEY_LENGTH = 8
_BY_INSTALL = ("deploy_ids", "statuses")


def install_key(install_id: str) -> str:
    """A short key of ``install_id`` (8 hex digits of its SHA-256): what state keeps instead of the id itself."""
    return hashlib.sha256(install_id.encode()).hexdigest()[:_KEY_LENGTH]


def _distinct_ids(value: Any) -> list[str] | None:
    """``value`` as a list of distinct install ids, or None."""
    if isinstance(value, list) and all(isinstance(i, str) for i in value) and len(set(value)) == len(value):
        return value
    return None


def stored_gate_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """A gate's outputs (:func:`~pulumi_nuon.gate.views.gate_values` with its inputs) as state keeps them: without
    ``install_ids``, ``deploy_ids`` and ``statuses``, which :data:`FLEET` holds compact. Outputs that are not by
    install id over distinct install ids stay as they are."""
    ids = _distinct_ids(outputs.get("install_ids"))
    maps = [outputs.get(name) for name in _BY_INSTALL]
    if ids is None or not all(isinstance(m, Mapping) and set(m) == set(ids) for m in maps):
        return dict(outputs)
    order = sorted(ids)
    stored = {k: v for k, v in outputs.items() if k != "install_ids" and k not in _BY_INSTALL}
    fleet: dict[str, Any] = {_KEYS: "".join(install_key(i) for i in order)}
    for name, values in zip(_BY_INSTALL, maps, strict=True):
        assert isinstance(values, Mapping)
        fleet[name] = [values[i] for i in order]
    if len(set(fleet["statuses"])) == 1 and isinstance(fleet["statuses"][0], str):
        fleet["statuses"] = fleet["statuses"][0]  # the usual end of a wait: one status everywhere, stored once
    stored[FLEET] = fleet
    return stored


def _fleet(value: Any) -> tuple[list[str], dict[str, list[Any]]] | None:
    """(the install keys, each stored list by output name) of a stored :data:`FLEET`, or None when ``value`` is not
    one (absent, unknown, or from another form)."""
    if not isinstance(value, Mapping) or not isinstance(keys := value.get(_KEYS), str) or len(keys) % _KEY_LENGTH:
        return None
    found = [keys[i : i + _KEY_LENGTH] for i in range(0, len(keys), _KEY_LENGTH)]
    lists = {name: value.get(name) for name in _BY_INSTALL}
    if isinstance(lists["statuses"], str):
        lists["statuses"] = [lists["statuses"]] * len(found)
    if not all(isinstance(v, list) and len(v) == len(found) for v in lists.values()):
        return None
    return found, {name: list(v) for name, v in lists.items() if isinstance(v, list)}


def _ids_for(keys: Sequence[str], install_ids: Sequence[Any]) -> list[str]:
    """The install id of each key among ``install_ids``; ``?<key>`` for a key none of them has."""
    by_key = {install_key(i): i for i in install_ids if isinstance(i, str)}
    return [by_key.get(k, f"?{k}") for k in keys]


def gate_outputs_read(outputs: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
    """A gate's outputs from state, in any form it was stored in, in the shape users read (``install_ids`` again,
    ``deploy_ids`` and ``statuses`` by install id), for the diff and the update that compare them with the new
    inputs ``news``.

    The installs are named from ``news``: a fleet with the same installs as ``news`` in another order is the same
    fleet (nothing to wait for again). An install of the old fleet that ``news`` no longer has shows as
    ``?<its key>``: it differs from every install id, so the diff sees the change, and the deploy it passed last
    (kept under that name) excludes nothing. 0.2's maps by install id without the install list read the same way
    (an old install by its id, in sorted order); 0.1.0's outputs, which have everything, are returned as they are.
    """
    new_ids = news.get("install_ids")
    new_ids = list(new_ids) if isinstance(new_ids, list) else []
    fleet = _fleet(outputs.get(FLEET))
    if fleet is not None:
        keys, lists = fleet
        old_ids = _ids_for(keys, new_ids)
        read = {k: v for k, v in outputs.items() if k != FLEET}
        read.update({name: dict(zip(old_ids, values, strict=True)) for name, values in lists.items()})
        same = _distinct_ids(new_ids) is not None and sorted(old_ids) == sorted(new_ids)
        read["install_ids"] = new_ids if same else old_ids
        return read
    deploys = outputs.get("deploy_ids")
    if "install_ids" in outputs or not isinstance(deploys, Mapping):
        return dict(outputs)
    if _distinct_ids(new_ids) is not None and sorted(new_ids) == sorted(deploys):
        return {**outputs, "install_ids": new_ids}
    return {**outputs, "install_ids": sorted(deploys)}


def by_install(name: str, shown: Any, fleet: Any, install_ids: Sequence[Any] | None) -> Any:
    """The gate's output ``name`` (``deploy_ids`` or ``statuses``) by install id, for the program that declared it:
    from the stored :data:`FLEET` and the install ids the program passed, each entry under the program's install
    with its key, or ``?<key>`` when the program no longer passes that install (its state is older than its inputs,
    as when ``pulumi up --target`` leaves the gate out). Without a fleet (a state of an earlier form, or outputs
    that were not compacted), ``shown``: the output as state has it, by install id already."""
    found = _fleet(fleet)
    if found is None:
        return shown
    keys, lists = found
    return dict(zip(_ids_for(keys, install_ids or ()), lists[name], strict=True))
