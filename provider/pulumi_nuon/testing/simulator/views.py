"""What the API answers from the org's records, as payloads: a component's releases and an install component's latest
deploy, both at the simulated time of the read.

`OrgView` reads `org.Org` (under its lock, which the callers hold) and renders with `payloads`; a read of the latest
deploy by a client (`seen=True`) is what lets a deploy held by `hold_until_seen` move on to its next status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import Component, Release, Stamps
from .org import Org
from .payloads import component_release, install_deploy

__all__: list[str] = []


class OrgView:
    """The org's releases and latest deploys as the API shows them; timestamps put simulated time 0 at `stamps`'
    epoch."""

    def __init__(self, org: Org, stamps: Stamps) -> None:
        self._org = org
        self._stamps = stamps

    def visible_releases(self, component_id: str) -> list[Release]:
        """The component's releases that exist by now, newest first (none for an unknown component)."""
        if component_id not in self._org.components:
            return []
        now = self._org.now
        visible = [r for r in self._org.releases.get(component_id, []) if r.created <= now]
        return sorted(visible, key=lambda r: (r.created, r.seq), reverse=True)

    def release_payloads(self, releases: Sequence[Release]) -> list[dict[str, Any]]:
        return [self._release_payload(r, self._org.components[r.component_id], self._org.now) for r in releases]

    def _release_payload(self, release: Release, component: Component, now: float) -> dict[str, Any]:
        step_deploys = []
        for step in release.steps:
            deploys = []
            for install_id in step.install_ids:
                install = self._org.installs[install_id]
                for deploy in self._org.deploys.get((install_id, component.id), []):
                    if deploy.release_id == step.id and deploy.visible(now):
                        inc = install.install_components.get(component.id, "")
                        deploys.append(install_deploy(deploy, component, inc, now, self._stamps, latest=False))
            step_deploys.append(deploys)
        return component_release(release, component, step_deploys, self._stamps)

    def latest_payload(self, install_id: str, component_id: str, *, seen: bool = False) -> dict[str, Any] | None:
        """The latest-deploy payload, or None where the route answers 404; ``seen``: a client reads it (a held
        deploy may then move on)."""
        install, component = self._org.installs.get(install_id), self._org.components.get(component_id)
        if install is None or component is None or component_id not in install.install_components:
            return None
        now = self._org.now
        candidates = [
            d for d in self._org.deploys.get((install_id, component_id), []) if d.visible(now) and not d.plan_only
        ]
        if not candidates:
            return None
        latest = max(candidates, key=lambda d: (d.start, d.seq))
        payload = install_deploy(
            latest, component, install.install_components[component_id], now, self._stamps, latest=True
        )
        if seen:
            latest.shown = len(latest.passed(now)) - 1
        return payload
