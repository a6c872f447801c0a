"""Settings resolution (argument → stack config → environment → default) and the URL safety checks."""

from __future__ import annotations

import pytest

from pulumi_nuon.core.errors import ConfigurationError
from pulumi_nuon.core.settings import resolve_settings
from tests.conftest import CANARY_TOKEN

ENV = {"NUON_API_TOKEN": "env-token", "NUON_ORG_ID": "env-org", "NUON_API_URL": "https://env.example"}
CONFIG = {"nuon:apiToken": "cfg-token", "nuon:orgId": "cfg-org", "nuon:apiUrl": "https://cfg.example"}


def test_arguments_beat_config_and_environment() -> None:
    s = resolve_settings("arg-token", "arg-org", "https://arg.example", config=CONFIG, env=ENV)
    assert (s.api_token, s.org_id, s.api_url) == ("arg-token", "arg-org", "https://arg.example")


def test_config_beats_environment() -> None:
    s = resolve_settings(config=CONFIG, env=ENV)
    assert (s.api_token, s.org_id, s.api_url) == ("cfg-token", "cfg-org", "https://cfg.example")


def test_environment_is_used_when_nothing_else_is_set() -> None:
    s = resolve_settings(config={}, env=ENV)
    assert (s.api_token, s.org_id, s.api_url) == ("env-token", "env-org", "https://env.example")


def test_default_url_and_trailing_slash_removed() -> None:
    assert resolve_settings(config={}, env={"NUON_API_TOKEN": "t", "NUON_ORG_ID": "o"}).api_url == "https://api.nuon.co"
    assert resolve_settings("t", "o", "https://x.example/base/", env={}).api_url == "https://x.example/base"


def test_empty_values_count_as_unset() -> None:
    s = resolve_settings("", "  ", "", config={"nuon:apiToken": ""}, env=ENV)
    assert (s.api_token, s.org_id) == ("env-token", "env-org")


def test_config_may_be_a_lookup_function() -> None:
    s = resolve_settings(config=lambda key: {"nuon:orgId": "fn-org"}.get(key), env={"NUON_API_TOKEN": "t"})
    assert s.org_id == "fn-org"


def test_no_stack_config_is_read_unless_passed() -> None:
    """Nothing is installed globally: without ``config=`` only arguments and the environment count."""
    s = resolve_settings(env={"NUON_API_TOKEN": "t", "NUON_ORG_ID": "env-org"})
    assert s.org_id == "env-org"


def test_missing_token_names_the_config_key_and_the_variable() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(config={}, env={"NUON_ORG_ID": "o"})
    assert "nuon:apiToken" in str(info.value) and "NUON_API_TOKEN" in str(info.value)


def test_missing_org_names_the_config_key_and_the_variable() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(config={}, env={"NUON_API_TOKEN": "t"})
    assert "nuon:orgId" in str(info.value) and "NUON_ORG_ID" in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "http://127.5.6.7", "https://api.nuon.co"],
)
def test_token_may_go_to_https_and_to_loopback_http(url: str) -> None:
    assert resolve_settings("t", "o", url, env={}).api_url == url


@pytest.mark.parametrize("url", ["http://api.nuon.co", "http://10.0.0.1:8080", "http://localhost.evil.example"])
def test_plain_http_off_this_machine_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        resolve_settings("t", "o", url, env={})


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("api.nuon.co", "not an http(s) URL"),
        ("ftp://api.nuon.co", "not an http(s) URL"),
        ("https://", "not an http(s) URL"),
        ("https://user:pw@api.nuon.co", "credentials"),
        ("https://api.nuon.co?x=1", "query"),
        ("https://api.nuon.co:99999", "malformed"),
    ],
)
def test_malformed_urls_are_refused_clearly(url: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        resolve_settings("t", "o", url, env={})


def test_repr_never_shows_the_token() -> None:
    s = resolve_settings(CANARY_TOKEN, "o", env={})
    assert CANARY_TOKEN not in repr(s) and CANARY_TOKEN not in str(s)


def test_the_request_timeout_resolves_argument_config_environment_default() -> None:
    env = {"NUON_API_TOKEN": "t", "NUON_ORG_ID": "o", "NUON_REQUEST_TIMEOUT": "12"}
    assert resolve_settings(config={}, env={"NUON_API_TOKEN": "t", "NUON_ORG_ID": "o"}).request_timeout == 30
    assert resolve_settings(config={}, env=env).request_timeout == 12
    assert resolve_settings(config={"nuon:requestTimeout": "7.5"}, env=env).request_timeout == 7.5
    assert resolve_settings(request_timeout=3, config={"nuon:requestTimeout": "7.5"}, env=env).request_timeout == 3


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "3601", "soon"])
def test_a_request_timeout_that_cannot_work_names_where_it_came_from(value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"NUON_REQUEST_TIMEOUT is '{value}'"):
        resolve_settings("t", "o", env={"NUON_REQUEST_TIMEOUT": value})
