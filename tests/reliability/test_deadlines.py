"""The defects of issue 12 that are about time, the proxy and signals, each as the user met it.

- ``pulumi-nuon wait --timeout 4`` against an API that never answers (or answers 429 with ``Retry-After: 3600``)
  ends in about 4 s, says so truthfully ("watched 4s") and names the last API error, not "not polled yet".
- After 5xx only, the outcome's phase is unknown, not ``missing``, and no "no deploy (404)" is claimed.
- ``HTTP_PROXY``/``ALL_PROXY`` never see a request (nor the token) for a plain-http loopback URL; https requests
  go through the proxy as httpx sends them.
- ``wait`` under SIGTERM exits 143 with a message and clears its live status line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pulumi_nuon as nuon
from pulumi_nuon.cli.commands import main as cli_main
from pulumi_nuon.core.errors import APIConnectionError
from pulumi_nuon.testing.simulator import Fault, Timeline
from tests.conftest import CANARY_TOKEN, ORG_ID
from tests.reliability.conftest import Lab

SCRIPT = Path(sys.executable).parent / "pulumi-nuon"


def _wait(lab: Lab, fault: Fault, *extra: str) -> tuple[int, str, str, float]:
    ids = lab.case()
    lab.sim.inject(fault, route="latest_deploy", path=ids.component)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = cli_main(
        ["wait", "--component", ids.component, ids.install, "--api-url", lab.url, *extra], stdout=out, stderr=err
    )
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


@pytest.mark.timeout(60)
def test_wait_timeout_4_holds_against_silence_and_retry_after_3600(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUON_API_TOKEN", CANARY_TOKEN)
    monkeypatch.setenv("NUON_ORG_ID", ORG_ID)
    faults = {"never answers": Fault.hang(120), "Retry-After 3600": Fault.rate_limit(3600)}
    with ThreadPoolExecutor(len(faults)) as pool:
        results = pool.map(lambda f: _wait(lab, f, "--timeout", "4", "--interval", "1"), faults.values())
        runs = dict(zip(faults, results, strict=True))
    for name, (code, _, err, elapsed) in runs.items():
        assert code == 2, (name, code, err)
        # The bound is the deadline plus 2 s of scheduling: two waits in threads of a pytest worker that shares two
        # cores with three others and the floor run (5.06 s seen at +1 s under make test). A wait that honoured
        # Retry-After or the 120 s hang, the defect this guards, would take minutes.
        assert elapsed < 4 + 2, (name, elapsed)
        assert "timed out after 4s" in err and "watched 4s" in err, (name, err)
        assert "no answer from Nuon yet" in err and "last API error" in err, (name, err)
        assert "not polled yet" not in err and "no deploy (404)" not in err, (name, err)
    assert "timed out" in runs["never answers"][2]
    assert "429" in runs["Retry-After 3600"][2]


def test_after_only_5xx_the_phase_is_unknown_and_the_last_error_is_named(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUON_API_TOKEN", CANARY_TOKEN)
    monkeypatch.setenv("NUON_ORG_ID", ORG_ID)
    code, out, err, _ = _wait(lab, Fault.http_status(503), "--timeout", "1", "--interval", "0.2", "--json")
    assert code == 2
    (outcome,) = json.loads(out)["installs"].values()
    assert outcome["phase"] == "unknown" and outcome["status"] is None
    assert "503" in err and "Nuon never answered" in err and "missing" not in err


class _Proxy:
    """A stand-in proxy on 127.0.0.1 that records the first line and headers of what it is sent, then hangs up."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.seen.append(conn.recv(65536))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def proxy() -> Iterator[_Proxy]:
    p = _Proxy()
    yield p
    p.close()


def test_env_proxies_never_see_plain_http_loopback_requests_but_carry_https(
    lab: Lab, proxy: _Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    ids = lab.case()
    with nuon.NuonClient(api_token=CANARY_TOKEN, org_id=ORG_ID, api_url=lab.url) as client:
        assert client.get_latest_deploy(ids.install, ids.component) is not None
    assert proxy.seen == []
    with (
        nuon.NuonClient(
            api_token=CANARY_TOKEN, org_id=ORG_ID, api_url="https://nuon.invalid", request_timeout=2, max_retries=0
        ) as client,
        pytest.raises(APIConnectionError),
    ):
        client.get_latest_deploy(ids.install, ids.component)
    assert proxy.seen and proxy.seen[0].startswith(b"CONNECT nuon.invalid:443")
    assert CANARY_TOKEN.encode() not in b"".join(proxy.seen)  # the tunnel's request is encrypted inside


@pytest.mark.timeout(60)
def test_wait_under_sigterm_exits_143_with_a_message_and_clears_its_live_line(lab: Lab) -> None:
    ids = lab.case(timeline=Timeline.constant("executing"))
    env = {**os.environ, **lab.env, "TERM": "xterm"}
    primary, secondary = pty.openpty()  # stderr on a terminal: the live status line is drawn
    child = subprocess.Popen(
        [str(SCRIPT), "wait", "--component", ids.component, ids.install, "--interval", "0.2", "--timeout", "60"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        stdin=subprocess.DEVNULL,
    )
    os.close(secondary)
    shown = b""
    try:
        deadline = time.monotonic() + 20
        while b"executing" not in shown and time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                shown += os.read(primary, 65536)
        assert b"executing" in shown, shown
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=10)
        while True:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        os.close(primary)
    text = shown.decode(errors="replace")
    assert code == 143, text
    assert "terminated: SIGTERM" in text
    last_line = text.rsplit("\r\x1b[K", 1)[-1]
    assert "waiting for 1 install(s)" not in last_line, repr(text[-300:])
    assert "Traceback" not in text
