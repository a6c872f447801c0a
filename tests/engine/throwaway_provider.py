"""A throwaway dynamic provider for the LocalEngine tests.

It keeps each resource as `<store>/<id>.json` (so a test can see creates, updates and deletes, and fake
drift for refresh), reports the host's pid and its own timestamps, and echoes what `configure` received
(the region as is, the token only as a SHA-256 digest). Progress goes to stderr, one line per call.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

IDENTIFYING = ("key",)
COMPARED = ("key", "value", "store", "sleep", "fail")


def _log(message: str) -> None:
    sys.stderr.write(f"throwaway: {message}\n")


class ThrowawayProvider(ResourceProvider):
    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        self.region = req.config.get("test:region")
        self.token = req.config.get("test:token")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        key = news.get("key")
        shown = "<unknown>" if isinstance(key, Unknown) else key
        _log(f"check {shown} value_known={not isinstance(news.get('value'), Unknown)}")
        failures = []
        if not isinstance(key, Unknown) and (not isinstance(key, str) or not key):
            failures.append(CheckFailure("key", "key must be a non-empty string"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in COMPARED if olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k in IDENTIFYING]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(news.get("dbr")))

    def _outs(self, props: dict[str, Any], started: float) -> dict[str, Any]:
        token = getattr(self, "token", None)
        return {
            **{k: v for k, v in props.items() if k != "__provider"},
            "pid": os.getpid(),
            "started": started,
            "finished": time.time(),
            "region": getattr(self, "region", None),
            "token_sha256": hashlib.sha256(token.encode()).hexdigest() if token else None,
        }

    def _save(self, id_: str, outs: dict[str, Any]) -> None:
        Path(outs["store"], f"{id_}.json").write_text(json.dumps(outs))

    def create(self, props: dict[str, Any]) -> CreateResult:
        started = time.time()
        _log(f"create {props['key']}")
        if props.get("fail"):
            raise RuntimeError(props["fail"])
        time.sleep(float(props.get("sleep") or 0))
        id_ = f"{props['key']}-{uuid.uuid4().hex[:8]}"
        outs = self._outs(props, started)
        self._save(id_, outs)
        return CreateResult(id_, outs)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        started = time.time()
        _log(f"update {news['key']}")
        if news.get("fail"):
            raise RuntimeError(news["fail"])
        outs = self._outs(news, started)
        self._save(id_, outs)
        return UpdateResult(outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _log(f"read {id_}")
        path = Path(props["store"], f"{id_}.json")
        if not path.exists():
            return ReadResult("", {})
        return ReadResult(id_, json.loads(path.read_text()))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _log(f"delete {id_}")
        Path(props["store"], f"{id_}.json").unlink()


class Thing(pulumi.dynamic.Resource, module="test", name="Thing"):
    """A throwaway dynamic resource."""

    key: pulumi.Output[str]
    value: pulumi.Output[Any]
    pid: pulumi.Output[int]
    started: pulumi.Output[float]
    finished: pulumi.Output[float]
    region: pulumi.Output[str]
    token_sha256: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        key: pulumi.Input[str],
        store: str,
        value: pulumi.Input[Any] = None,
        sleep: float = 0,
        fail: str | None = None,
        dbr: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "key": key,
            "value": value,
            "store": store,
            "sleep": sleep,
            "fail": fail,
            "dbr": dbr,
            "pid": None,
            "started": None,
            "finished": None,
            "region": None,
            "token_sha256": None,
        }
        super().__init__(ThrowawayProvider(), name, props, opts)
