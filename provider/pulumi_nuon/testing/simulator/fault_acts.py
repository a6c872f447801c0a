"""Faults acted out in the answer's content: what a request gets instead of the route's answer, or how that answer
is spoiled.

Some faults replace the answer (`replaces_answer`: an error status, a 429, a proxy's HTML page, a reset, any body,
a huge body, the token echoed in an error or a header); the others spoil the route's own answer (`spoil`: JSON cut
in half, endless or repeated release pages, the token echoed inside a 200, a gzip lie). What happens on the wire
(latency, trickles, hangs, cuts) is the transport's and the server's. `echoed` writes the token the way a server
might echo it back, for the tests that look for it.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from .faults import EchoForm, Fault
from .routes import DEFAULT_LIMIT, MAX_LIMIT, error, int_param
from .wire import Outcome, Request

__all__ = ["echoed"]

_REPLACING = ("status", "rate_limit", "html", "reset", "body", "huge", "echo_header")
_PLACEHOLDER = "\x01echo\x01"
_HTML_PAGE = (
    "<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{status} Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def echoed(token: str, form: EchoForm) -> str:
    """`token` as a server might echo it back in `form` (the text that would appear in a body)."""
    if form == "json_escaped":
        return "".join(f"\\u{ord(c):04x}" for c in token)
    if form == "crlf":
        return "\r\n".join(token)
    if form == "nul":
        return "\x00".join(token)
    if form == "base64":
        return base64.b64encode(f"api:{token}".encode()).decode()
    if form == "percent":
        return "".join(f"%{b:02X}" for b in token.encode())
    if form == "html_entities":
        return "".join(f"&#{ord(c)};" for c in token)
    if form == "folded":
        return "\r\n ".join(token)
    if form == "zero_width":
        return "\u200b".join(token)
    if form == "plus_for_dash":
        return token.replace("-", "+")
    if form == "html_named":
        return token.replace("-", "&hyphen;").replace(".", "&period;").replace(":", "&colon;")
    return token


def _with_echo(payload: Any, token: str, form: EchoForm) -> bytes:
    """`payload` as JSON with the placeholder replaced by the token echoed in `form` (JSON-escaped forms stay
    escapes in the body text; the others are escaped as JSON must)."""
    body = json.dumps(payload, separators=(",", ":"))
    text = echoed(token, form)
    return body.replace(
        json.dumps(_PLACEHOLDER)[1:-1], text if form == "json_escaped" else json.dumps(text)[1:-1]
    ).encode()


def replaces_answer(fault: Fault) -> bool:
    """The fault's outcome stands in for the route's answer (else it spoils that answer, or acts on the wire)."""
    return fault.kind in _REPLACING or (fault.kind == "echo" and fault.status != 200)


def fault_outcome(fault: Fault, token: str) -> Outcome:
    """What a request gets instead of the route's answer."""
    if fault.kind == "reset":
        return Outcome(0, fault=fault)
    if fault.kind == "body":
        return Outcome(fault.status, fault.body, {"Content-Type": fault.content_type}, fault)
    if fault.kind == "huge":
        return Outcome(200, b"", {"Content-Type": "application/json"}, fault)
    if fault.kind == "echo":
        if fault.status == 0:
            text = f"session for {echoed(token, fault.form)} expired".encode()
            return Outcome(200, text, {"Content-Type": "text/plain"}, fault)
        body = {"error": f"token {_PLACEHOLDER} rejected", "user_error": True, "description": _PLACEHOLDER}
        return Outcome(fault.status, _with_echo(body, token, fault.form), {"Content-Type": "application/json"}, fault)
    if fault.kind == "echo_header":
        outcome = error(fault.status, "request failed", "see the headers", user_error=fault.status < 500)
        shown = echoed(token, fault.form)
        if fault.header == "reason":
            outcome.reason = f"Denied {shown}"
        elif fault.header == "content-type":
            outcome.headers["Content-Type"] = f"application/json; session={shown}"
        elif fault.header == "retry-after":
            outcome.headers["Retry-After"] = f"{format_datetime(datetime.now(timezone.utc), usegmt=True)} {shown}"
        else:
            outcome.headers["Server"] = f"gateway/{shown}"
        outcome.fault = fault
        return outcome
    if fault.kind == "html":
        page = _HTML_PAGE.format(status=fault.status).encode()
        return Outcome(fault.status, page, {"Content-Type": "text/html"}, fault)
    if fault.kind == "rate_limit":
        outcome = error(429, "too many requests", "rate limit exceeded, slow down", user_error=False)
    else:
        outcome = error(
            fault.status, "request failed", f"simulated fault: status {fault.status}", user_error=fault.status < 500
        )
    retry_after = fault.retry_after_header()
    if retry_after is not None:
        outcome.headers["Retry-After"] = retry_after
    outcome.fault = fault
    return outcome


def spoil(outcome: Outcome, fault: Fault, request: Request, token: str, *, releases: bool) -> Outcome:
    """The route's answer (`releases`: of the releases route) as the fault spoils it; the fault rides along."""
    if fault.kind == "truncated_json":
        outcome.body = outcome.body[: max(1, len(outcome.body) // 2)]
    elif outcome.status == 200 and releases:
        outcome = _page_fault(outcome, fault, parse_qs(request.query), token)
    elif fault.kind == "echo" and outcome.status == 200:
        payload = json.loads(outcome.body)
        payload["status_description"] = f"deployed by {_PLACEHOLDER}"
        outcome.body = _with_echo(payload, token, fault.form)
    elif fault.kind == "gzip_lie":
        outcome.headers["Content-Encoding"] = "gzip"
    outcome.fault = fault
    return outcome


def _page_fault(outcome: Outcome, fault: Fault, params: dict[str, list[str]], token: str) -> Outcome:
    """Faults acted out on a releases page: endless or repeated pages, an echoed token, a gzip lie."""
    if fault.kind == "endless_pages":
        limit = min(max(int_param(params, "limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
        offset = max(int_param(params, "offset", 0), 0)
        page = [
            {"id": f"relendless{offset + i:016d}", "build_id": f"bldendless{offset + i:016d}", "status": "active"}
            for i in range(limit)
        ]
        headers = {**outcome.headers, "X-Nuon-Page-Next": "true", "X-Nuon-Page-Limit": str(limit)}
        return Outcome.json(200, page, headers)
    if fault.kind == "repeat_page":
        page = [{"id": f"relrepeat{i:017d}", "build_id": f"bldrepeat{i:017d}", "status": "active"} for i in range(3)]
        return Outcome.json(200, page, {**outcome.headers, "X-Nuon-Page-Next": "true", "X-Nuon-Page-Limit": "3"})
    if fault.kind == "echo":
        payload = json.loads(outcome.body) or [{"id": "relecho0000000000000000000", "status": "active"}]
        for release in payload:
            release["status_description"] = f"released by {_PLACEHOLDER}"
        outcome.body = _with_echo(payload, token, fault.form)
    elif fault.kind == "gzip_lie":
        outcome.headers["Content-Encoding"] = "gzip"
    return outcome
