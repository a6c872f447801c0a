"""How failures read in `pulumi up`: ours as their message (however the SDK wraps them), a bug as one line."""

from __future__ import annotations

import pytest

from pulumi_nuon.core.errors import DeployFailedError, InvalidArgumentError
from pulumi_nuon.native.provider import failure_text
from pulumi_nuon.native.server import message_for


def _wrapped_by_the_sdk(err: Exception) -> Exception:
    """What the experimental server's handler wrapper raises (SDK 3.171–3.2xx): our message plus a stack."""
    try:
        try:
            raise err
        except Exception as inner:
            raise Exception(f'{inner}:\n  File "provider.py", line 1, in create\n') from None
    except Exception as outer:
        return outer


def test_our_errors_reach_the_engine_as_their_message_with_camel_case_names() -> None:
    err = DeployFailedError("Deploy gate failed: accept_auto_skipped is False.\nSet accept_auto_skipped to true.")
    assert message_for(_wrapped_by_the_sdk(err)) == (
        "Deploy gate failed: acceptAutoSkipped is False.\nSet acceptAutoSkipped to true."
    )
    assert message_for(InvalidArgumentError("limit must be at least 1", "limit")) == "limit must be at least 1"


def test_a_bug_is_one_line_and_its_traceback_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        {}["missing"]
    except KeyError as err:
        message = message_for(err)
    assert message == "internal error in the nuon provider plugin (KeyError: 'missing'); please report it"
    assert "Traceback" in capsys.readouterr().err


def test_a_very_long_message_is_cut_to_fit_in_a_grpc_trailer() -> None:
    text = failure_text(DeployFailedError("x" * 10_000))
    assert len(text) < 4100 and text.endswith("… (6000 more characters)")
