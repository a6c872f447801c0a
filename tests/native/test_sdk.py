"""Which pulumi SDKs the plugin runs on, and how it starts: as `pulumi-resource-nuon` and from its plugin directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_nuon._version import __version__
from pulumi_nuon.native import sdk
from tests.native.plugin import plugin_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", ["3.171.0", "3.272.0", "3.300.1"])
def test_supported_sdks_pass(version: str) -> None:
    assert sdk.require_supported(version) == version


@pytest.mark.parametrize("version", ["3.170.9", "3.100.0", "4.0.0", "not installed"])
def test_other_sdks_are_refused_with_what_to_install(version: str) -> None:
    with pytest.raises(sdk.UnsupportedSDKError) as info:
        sdk.require_supported(version)
    assert f"found: {version}" in str(info.value)
    assert "python -m pip install 'pulumi>=3.171.0,<4'" in str(info.value)


def test_an_old_sdk_ends_the_plugin_with_one_line_and_exit_code_1() -> None:
    code = (
        "import importlib.metadata as m, sys\n"
        "m.version = lambda name: '3.150.0'\n"
        "from pulumi_nuon.native import main\n"
        "main(['127.0.0.1:1'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("error: The nuon provider plugin needs the pulumi Python SDK >= 3.171.0")
    assert len(done.stderr.splitlines()) == 1


def test_the_plugin_directory_runs_as_pulumis_python_language_host_runs_it() -> None:
    """`python <plugin dir> <engine address>`: the directory's `__main__.py` serves this checkout's plugin."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "provider"), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=plugin_env(),
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = provider_pb2_grpc.ResourceProviderStub(channel).GetPluginInfo(empty_pb2.Empty(), timeout=10)
        assert info.version == __version__
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and stderr == ""  # SIGTERM stops it cleanly
