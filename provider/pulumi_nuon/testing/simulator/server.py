"""The socket way to serve the simulator: a real HTTP/1.1 server on 127.0.0.1 in a background thread.

Here faults are acted out on the wire: a reset closes the socket with SO_LINGER 0 (the peer sees a TCP reset
and no response), latency delays the answer, a trickle writes the body in small chunks with pauses, a hang sends
nothing until its time is up (or the server stops), a cut writes half the body then resets, a huge body is written
in chunks (without `Content-Length` when it is not declared: then it ends when the connection closes).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

from .wire import Handler, Request

__all__ = ["SimServer"]

_HOST = "127.0.0.1"


class _Credentials(Handler, Protocol):
    token: str
    org_id: str


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; without this each costs ~40 ms
    server_version = "nuon-simulator"
    sys_version = ""
    simulator: Handler  # set on the per-server subclass

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the simulator keeps its own request log; stderr stays quiet

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        outcome = self.simulator.handle(
            Request(
                method=self.command,
                path=split.path,
                query=split.query,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
        )
        fault = outcome.fault
        if fault is not None and fault.kind == "hang":
            self.server.stopping.wait(fault.seconds)  # type: ignore[attr-defined]
            self.close_connection = True
            return
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        if fault is not None and fault.kind == "latency":
            time.sleep(fault.seconds)
        self.send_response(outcome.status, outcome.reason)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        if outcome.send_length():
            self.send_header("Content-Length", str(outcome.length()))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        if fault is not None and fault.kind == "header_trickle":
            self._trickle_headers(fault.seconds)
        else:
            self.end_headers()
        if fault is not None and fault.kind == "cut":
            self.wfile.write(outcome.body[: len(outcome.body) // 2])
            self.wfile.flush()
            self._reset()
        elif outcome.huge:
            for chunk in outcome.chunks():
                if self.server.stopping.is_set():  # type: ignore[attr-defined]
                    break
                self.wfile.write(chunk)
        elif fault is not None and fault.kind == "trickle":
            for i in range(0, len(outcome.body), fault.chunk_size):
                if i and self.server.stopping.wait(fault.seconds):  # type: ignore[attr-defined]
                    break
                self.wfile.write(outcome.body[i : i + fault.chunk_size])
                self.wfile.flush()
        elif self.command != "HEAD":
            self.wfile.write(outcome.body)

    def _trickle_headers(self, pause: float) -> None:
        """Write the buffered status line and headers a byte at a time, ``pause`` seconds apart."""
        buffered: list[bytes] = getattr(self, "_headers_buffer", [])
        head = b"".join(buffered) + b"\r\n"
        buffered.clear()
        for i in range(len(head)):
            if i and self.server.stopping.wait(pause):  # type: ignore[attr-defined]
                self.close_connection = True
                return
            self.wfile.write(head[i : i + 1])
            self.wfile.flush()

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can close keep-alive ones and join every handler thread."""

    daemon_threads = False
    block_on_close = True
    # The default backlog of 5 drops the SYNs of a fleet opening connections at once, costing a 1 s retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-trickle is expected; not worth a traceback on stderr


class SimServer:
    """A running simulator server. `url`, `token`, `org_id` and `env` say how to reach it; `stop()` ends
    it."""

    def __init__(self, simulator: _Credentials, *, port: int = 0) -> None:
        self._simulator = simulator
        handler = type("_BoundHandler", (_RequestHandler,), {"simulator": simulator})
        self._server = _Server((_HOST, port), handler)
        self.port: int = self._server.server_address[1]
        self.url = f"http://{_HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"nuon-simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    @property
    def token(self) -> str:
        return self._simulator.token

    @property
    def org_id(self) -> str:
        return self._simulator.org_id

    @property
    def env(self) -> dict[str, str]:
        """The environment a Nuon client reads: `NUON_API_URL`, `NUON_API_TOKEN`, `NUON_ORG_ID`."""
        return {"NUON_API_URL": self.url, "NUON_API_TOKEN": self.token, "NUON_ORG_ID": self.org_id}

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.stopping.set()
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.close_connections()
        self._server.server_close()  # joins the handler threads

    def __enter__(self) -> SimServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SimServer(url={self.url!r}, running={not self._stopped})"
