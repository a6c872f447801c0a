"""The out-of-process server of the benchmarks: replays recorded responses, byte for byte, on 127.0.0.1.

Run as ``python -I _replay_server.py RECORDING LATENCY`` by :class:`tests.bench.replay.ReplayServer`. RECORDING is a
pickle of ``{target: (status, [(header, value), ...], body)}`` where a target is a request's path and query, as
sent. Every payload is built before the server starts, so no arm of a benchmark pays for building one; LATENCY
seconds are slept before each answer (in the connection's own thread, so concurrent requests overlap). A request
that was not recorded gets 400, which the client raises on, so a benchmark never silently measures the wrong thing.

The server prints ``READY <port>`` once listening and stops when its standard input closes (the parent closes it,
or dies). Standard library only: this process must start fast and measure nothing of pulumi-nuon.
"""

from __future__ import annotations

import json
import pickle
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Recorded = tuple[int, list[tuple[str, str]], bytes]


def make_handler(responses: dict[str, Recorded], latency: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            recorded = responses.get(self.path)
            if recorded is None:
                body = json.dumps({"error": "not recorded", "description": self.path}).encode()
                status, headers = 400, [("Content-Type", "application/json")]
            else:
                status, headers, body = recorded
            if latency:
                time.sleep(latency)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a fleet opens many connections at once; dropped SYNs would cost a 1 s retransmit


def main(argv: list[str]) -> int:
    recording, latency = argv[1], float(argv[2])
    with open(recording, "rb") as f:
        responses: dict[str, Recorded] = pickle.load(f)
    server = Server(("127.0.0.1", 0), make_handler(responses, latency))

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
