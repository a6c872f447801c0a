"""Redaction: the token in every form it can come back in is masked, before any excerpt is cut; a token too short
to be told from words is masked only where it stands alone."""

from __future__ import annotations

import base64
import json

import pytest

from pulumi_nuon.api import protocol
from pulumi_nuon.core.redaction import redact, redactor
from pulumi_nuon.testing.simulator.faults import ECHO_FORMS
from pulumi_nuon.testing.simulator.simulator import echoed
from tests.conftest import CANARY_TOKEN


@pytest.mark.parametrize("form", ECHO_FORMS)
def test_every_echoed_form_is_masked(form: str) -> None:
    shown = echoed(CANARY_TOKEN, form)  # type: ignore[arg-type]
    masked = redact(f"before {shown} after", CANARY_TOKEN)
    if form == "base64":  # the characters that also encode the neighbours ("api:", padding) stay
        assert masked.startswith("before YXBpOm") and "***" in masked and shown not in masked
    else:
        assert masked == "before *** after"
    assert redactor(CANARY_TOKEN).found_in(shown.encode())


@pytest.mark.parametrize("prefix", ["", "x", "xy", "Basic ", "user:"])
def test_base64_at_any_alignment_is_masked(prefix: str) -> None:
    encoded = base64.b64encode(f"{prefix}{CANARY_TOKEN}".encode()).decode()
    assert CANARY_TOKEN[4:20] not in base64.b64decode(redact(encoded, CANARY_TOKEN) + "==", validate=False).decode(
        "latin-1"
    )
    assert redact(encoded, CANARY_TOKEN) != encoded


def test_json_escaped_and_mixed_escapes_are_masked() -> None:
    mixed = "".join(f"\\u{ord(c):04X}" if i % 2 else f"%{ord(c):02x}" for i, c in enumerate(CANARY_TOKEN))
    assert redact(mixed, CANARY_TOKEN) == "***"
    assert redact(json.dumps({"t": CANARY_TOKEN}), CANARY_TOKEN) == '{"t": "***"}'


def test_an_excerpt_is_cut_after_redaction_so_no_part_of_the_token_survives_the_cut() -> None:
    body = ("x" * (190) + CANARY_TOKEN).encode()
    response = protocol.Body(502, {"content-type": "text/html"}, body)
    message = str(protocol.status_error("GET", "/p", response, CANARY_TOKEN))
    assert CANARY_TOKEN[:10] not in message and "***" in message


@pytest.mark.parametrize("token", ["d", "db", "a1c"])
def test_a_short_token_is_masked_only_where_it_stands_alone(token: str) -> None:
    text = f"deploy failed: database error abc {token} done"
    assert redact(text, token) == "deploy failed: database error abc *** done"


def test_parsed_payloads_that_carry_the_token_come_out_scrubbed() -> None:
    body = json.dumps({"id": "dpl1", "status": "error", "status_description": f"bad {CANARY_TOKEN}"}).encode()
    deploy = protocol.parse_latest_deploy("GET", "/p", protocol.Body(200, {}, body), "inl1", "cmp1", CANARY_TOKEN)
    assert deploy.status_description == "bad ***"
