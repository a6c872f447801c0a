"""Record what the Nuon simulator answers, then serve those exact bytes from another process.

The simulator builds each payload as it answers, and in process it shares the benchmark's CPU and GIL; both would
hide part of the client's cost. So a benchmark first makes its requests once through :class:`RecordingTransport`
(the simulator's in-process transport underneath), then starts a :class:`ReplayServer`, a subprocess on 127.0.0.1
that answers the recorded requests with the recorded status, headers and body (see ``_replay_server.py``).
Both arms of a benchmark then make the same requests, in the order they were recorded, to that server.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["Recording", "RecordingTransport", "ReplayServer"]

_SERVER = Path(__file__).with_name("_replay_server.py")
# Set by the server from the body it sends; a recorded copy would disagree after a transport decoded the body.
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}


@dataclass
class Recording:
    """Recorded responses by request target (path and query as sent), and the targets in first-request order."""

    responses: dict[str, tuple[int, list[tuple[str, str]], bytes]] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return list(self.responses)

    @property
    def body_bytes(self) -> int:
        return sum(len(body) for _, _, body in self.responses.values())

    def add(self, target: str, response: httpx.Response) -> None:
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
        self.responses[target] = (response.status_code, headers, response.content)


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to ``inner`` (e.g. ``Simulator.transport()``) and records every response into ``recording``."""

    def __init__(self, inner: httpx.BaseTransport, recording: Recording) -> None:
        self._inner = inner
        self.recording = recording

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        response.read()
        self.recording.add(request.url.raw_path.decode("ascii"), response)
        return response


class ReplayServer:
    """A subprocess serving ``recording`` on 127.0.0.1, ``latency`` seconds late per answer; stopped on exit."""

    def __init__(self, recording: Recording, *, latency: float = 0.0) -> None:
        if not recording.responses:
            raise ValueError("nothing recorded to replay")
        self._recording = recording
        self._latency = latency
        self._process: subprocess.Popen[str] | None = None
        self._file: Path | None = None
        self.url = ""

    def url_for(self, target: str) -> str:
        return self.url + target

    def start(self) -> ReplayServer:
        with tempfile.NamedTemporaryFile("wb", prefix="nuon-bench-", suffix=".pickle", delete=False) as f:
            pickle.dump(self._recording.responses, f, protocol=pickle.HIGHEST_PROTOCOL)
            self._file = Path(f.name)
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(_SERVER), str(self._file), repr(self._latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"the replay server did not start (said {line!r})")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def stop(self) -> None:
        """Close the server's stdin (it shuts down), wait for it, kill it if it does not go (idempotent)."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
        if self._file is not None:
            self._file.unlink(missing_ok=True)
            self._file = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
