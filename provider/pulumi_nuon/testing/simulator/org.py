"""The simulated org's records and how they change: components, installs, releases and deploys.

`Org` is the registry behind `Simulator`'s set-up methods (the facade documents them for users): it adds and finds
components and installs, makes install components exist, adds releases with a deploy per install of each step, and
starts deploys on their timelines, chaining the follow-up deploy a superseded timeline names. It knows simulated time
through its clock; what the API answers from these records is `views.OrgView`'s.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence

from .clock import Clock
from .model import Component, Deploy, Ids, Install, Release, ReleaseStep
from .timeline import Timeline

__all__: list[str] = []


class Org:
    """Components, installs, releases and deploys by id, and one re-entrant lock every reader and writer holds."""

    def __init__(self, clock: Clock, *, seed: int, hold_until_seen: bool) -> None:
        self.clock = clock
        self.hold_until_seen = hold_until_seen
        self.lock = threading.RLock()
        self.components: dict[str, Component] = {}
        self.installs: dict[str, Install] = {}
        self.releases: dict[str, list[Release]] = {}
        self.deploys: dict[tuple[str, str], list[Deploy]] = {}
        self._ids = Ids(seed)
        self._seq = itertools.count()

    @property
    def now(self) -> float:
        return self.clock.now()

    # -- components and installs -----------------------------------------------------------------------------
    def add_component(self, name: str, *, id: str | None, type: str, config_version: int) -> Component:
        with self.lock:
            if id is not None and id in self.components:
                found = self.components[id]
                found.name, found.type, found.config_version = name, type, config_version
                return found
            component = Component(id or self._ids.new("cmp"), name, type, config_version)
            self.components[component.id] = component
            return component

    def add_install(self, name: str, *, id: str | None, components: Sequence[Component | str]) -> Install:
        with self.lock:
            install = self.installs.get(id or "") or Install(id or self._ids.new("inl"), name)
            install.name = name
            self.installs[install.id] = install
            for component in components:
                self.attach(install, component)
            return install

    def attach(self, install: Install | str, component: Component | str) -> str:
        with self.lock:
            inst, comp = self.install(install), self.component(component)
            if comp.id not in inst.install_components:
                inst.install_components[comp.id] = self._ids.new("inc")
            return inst.install_components[comp.id]

    def detach(self, install: Install | str, component: Component | str) -> None:
        with self.lock:
            self.install(install).install_components.pop(self.component(component).id, None)

    def component(self, ref: Component | str) -> Component:
        key = ref.id if isinstance(ref, Component) else ref
        found = self.components.get(key) or next((c for c in self.components.values() if c.name == key), None)
        if found is None:
            raise KeyError(f"no component {key!r} in the simulator")
        return found

    def install(self, ref: Install | str) -> Install:
        key = ref.id if isinstance(ref, Install) else ref
        found = self.installs.get(key) or next((i for i in self.installs.values() if i.name == key), None)
        if found is None:
            raise KeyError(f"no install {key!r} in the simulator")
        return found

    # -- releases --------------------------------------------------------------------------------------------
    def add_release(
        self,
        component: Component | str,
        *,
        build_id: str | None,
        installs: Sequence[Install | str] | None,
        steps: Sequence[Sequence[Install | str]] | None,
        at: float | None,
        status: str | None,
        status_description: str | None,
        timeline: Timeline | None,
        delay: str,
    ) -> Release:
        with self.lock:
            comp = self.component(component)
            created = self.now if at is None else at
            if steps is None:
                targets = (
                    installs
                    if installs is not None
                    else [i for i in self.installs.values() if comp.id in i.install_components]
                )
                steps = [targets]
            release = Release(
                self._ids.new("rel"),
                comp.id,
                build_id or self._ids.new("bld"),
                created,
                [],
                status,
                status_description,
                next(self._seq),
            )
            for group in steps:
                step = ReleaseStep(self._ids.new("rel"), [self.install(i).id for i in group], delay)
                release.steps.append(step)
                for install_id in step.install_ids:
                    self.trigger_deploy(
                        install_id,
                        comp,
                        build_id=release.build_id,
                        release_id=step.id,
                        timeline=timeline or Timeline.constant("active"),
                        at=created,
                        plan_only=False,  # a release's deploys are applies
                        deploy_type="apply",
                    )
            self.releases.setdefault(comp.id, []).append(release)
            return release

    def remove_releases(self, component: Component | str) -> None:
        with self.lock:
            self.releases.pop(self.component(component).id, None)

    # -- deploys ---------------------------------------------------------------------------------------------
    def trigger_deploy(
        self,
        install: Install | str,
        component: Component | str,
        *,
        build_id: str | None,
        timeline: Timeline | None,
        at: float | None,
        plan_only: bool,
        deploy_type: str,
        release_id: str | None,
    ) -> Deploy:
        with self.lock:
            inst, comp = self.install(install), self.component(component)
            self.attach(inst, comp)
            releases = self.releases.get(comp.id, [])
            if build_id is None:
                build_id = (
                    max(releases, key=lambda r: (r.created, r.seq)).build_id if releases else self._ids.new("bld")
                )
            if release_id is None:
                release_id = next(
                    (s.id for r in releases if r.build_id == build_id for s in r.steps if inst.id in s.install_ids),
                    "",
                )
            deploy = Deploy(
                self._ids.new("dpl"),
                inst.id,
                comp.id,
                build_id,
                0.0,
                Timeline.constant("queued"),
                release_id,
                plan_only,
                deploy_type,
                next(self._seq),
                held=self.hold_until_seen,
            )
            self.deploys.setdefault((inst.id, comp.id), []).append(deploy)
            self._set_timeline(deploy, timeline or Timeline.apply_success(), self.now if at is None else at)
            return deploy

    def set_timeline(self, deploy: Deploy, timeline: Timeline) -> None:
        with self.lock:
            self._set_timeline(deploy, timeline, deploy.start - deploy.timeline.appear_after)

    def _set_timeline(self, deploy: Deploy, timeline: Timeline, added: float) -> None:
        chain = self.deploys[(deploy.install_id, deploy.component_id)]
        follower = deploy.next
        while follower is not None:
            chain.remove(follower)
            follower = follower.next
        deploy.timeline, deploy.start, deploy.next = timeline, added + timeline.appear_after, None
        if timeline.then is not None:
            deploy.next = self.trigger_deploy(
                deploy.install_id,
                deploy.component_id,
                build_id=deploy.build_id,
                timeline=timeline.then,
                at=deploy.start + timeline.duration + timeline.gap,
                plan_only=deploy.plan_only,
                deploy_type=deploy.deploy_type,
                release_id=deploy.release_id,
            )

    def remove_deploys(self, install: Install | str, component: Component | str) -> None:
        with self.lock:
            self.deploys.pop((self.install(install).id, self.component(component).id), None)

    def deploys_of(self, install: Install | str, component: Component | str) -> list[Deploy]:
        with self.lock:
            found = self.deploys.get((self.install(install).id, self.component(component).id), [])
            return sorted(found, key=lambda d: (d.start, d.seq))
