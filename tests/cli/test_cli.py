"""`pulumi-nuon` commands and exit codes against the simulator over loopback (in process, and as a real
subprocess for the console script)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import pulumi_nuon as nuon
from pulumi_nuon.cli import EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, main
from pulumi_nuon.cli.demo import local_engine_refusal
from pulumi_nuon.core.options import SPECS
from pulumi_nuon.core.settings import SETTINGS
from pulumi_nuon.testing.simulator import Scenario, Timeline
from tests.conftest import CANARY_TOKEN, CMP1, INL1, ORG_ID, Org

SCRIPT = Path(sys.executable).parent / "pulumi-nuon"
FAST = ["--interval", "0.05", "--timeout", "10"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def no_leaks(*texts: str) -> None:
    for text in texts:
        assert CANARY_TOKEN not in text
        assert "Traceback" not in text


# -- reads -----------------------------------------------------------------------------------------------------


def test_releases_table_lists_newest_first(org: Org) -> None:
    releases = org.sim.releases(org.app)
    code, out, err = run("releases", org.app.id)
    assert code == EXIT_OK, err
    lines = out.splitlines()
    assert lines[0].split() == ["RELEASE", "BUILD", "STATUS", "STEPS", "CREATED", "AT"]
    assert lines[1].startswith(releases[0]["id"]) and lines[2].startswith(releases[1]["id"])
    assert f"2 release(s), newest first; latest build: {releases[0]['build_id']}" in out


def test_releases_json_is_plain_json_with_limit(org: Org) -> None:
    code, out, _ = run("releases", org.app.id, "--limit", "1", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    newest = org.sim.releases(org.app)[0]
    assert data["release_ids"] == [newest["id"]]
    assert data["latest_build_id"] == newest["build_id"]
    assert data["release_count"] == 1


def test_releases_of_unknown_component_lists_nothing(org: Org) -> None:
    code, out, _ = run("releases", "cmpunknown0000000000000000")
    assert code == EXIT_OK
    assert "No releases" in out


def test_deploy_table_and_json(org: Org) -> None:
    deploy = org.sim.latest_deploy(org.prod, org.app)
    assert deploy is not None
    code, out, _ = run("deploy", org.prod.id, org.app.id)
    assert code == EXIT_OK
    assert f"deploy        {deploy['id']}" in out
    assert "status        active" in out
    assert "phase         succeeded" in out

    code, out, _ = run("deploy", org.prod.id, org.app.id, "--json")
    data = json.loads(out)
    assert data["found"] is True
    assert data["deploy_id"] == deploy["id"]
    assert data["status"] == "active"
    assert data["install_id"] == org.prod.id  # from the request: Nuon answers "" here


def test_deploy_not_found_is_not_an_error(org: Org) -> None:
    lonely = org.sim.add_install("lonely", components=[])
    code, out, _ = run("deploy", lonely.id, org.app.id, "--json")
    assert code == EXIT_OK
    assert json.loads(out)["found"] is False
    code, out, _ = run("deploy", lonely.id, org.app.id)
    assert "No deploy of component" in out


def test_connection_options_before_or_after_the_command(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NUON_API_URL")
    monkeypatch.delenv("NUON_ORG_ID")
    code, _, err = run("--api-url", org.url, "releases", org.app.id, "--org-id", ORG_ID)
    assert code == EXIT_OK, err


# -- wait ------------------------------------------------------------------------------------------------------


def test_wait_passes_with_exit_0_and_progress_lines(org: Org) -> None:
    deploy = org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    org.sim.auto_advance(10, route="latest_deploy")
    code, out, err = run("wait", "--component", org.app.id, org.prod.id, *FAST)
    assert code == EXIT_OK, err
    assert f"deploy {deploy.id} is executing" in err  # one line per status change
    assert "active" in err
    assert "\r" not in err  # not a terminal: plain lines only
    assert out.splitlines()[-1] == "passed"
    assert deploy.id in out
    no_leaks(out, err)


def test_wait_for_a_failed_deploy_exits_1_with_nuons_words(org: Org) -> None:
    words = "helm upgrade failed: ImagePullBackOff"
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.failure(description=words, step_seconds=5))
    org.sim.auto_advance(10, route="latest_deploy")
    code, out, err = run("wait", "--component", org.app.id, org.prod.id, *FAST)
    assert code == EXIT_FAILED
    assert words in err
    assert "failed: " in err
    assert out.splitlines()[-1] == "failed"
    no_leaks(out, err)


def test_wait_timeout_exits_2_with_last_status(org: Org) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    code, out, err = run("wait", "--component", org.app.id, org.prod.id, "--interval", "0.05", "--timeout", "0.4")
    assert code == EXIT_TIMEOUT
    assert "timed out: " in err
    assert "executing" in err
    assert out.splitlines()[-1] == "timed out"


def test_wait_many_installs_json(org: Org) -> None:
    org.sim.auto_advance(10, route="latest_deploy")
    for install in (org.prod, org.staging):
        org.sim.trigger_deploy(install, org.app, timeline=Timeline.apply_success(step_seconds=5))
    build = org.sim.releases(org.app)[0]["build_id"]
    code, out, err = run(
        "wait", "--component", org.app.id, org.prod.id, org.staging.id, "--build-id", build, *FAST, "--json"
    )
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert data["result"] == "passed" and data["passed"] is True
    assert {o["status"] for o in data["installs"].values()} == {"active"}
    assert set(data["installs"]) == {org.prod.id, org.staging.id}


def test_wait_on_a_terminal_rewrites_a_live_status_line(org: Org) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    org.sim.auto_advance(5, route="latest_deploy")
    out, err = io.StringIO(), Terminal()
    code = main(
        ["wait", "--component", org.app.id, org.prod.id, "--interval", "0.1", "--timeout", "10"], stdout=out, stderr=err
    )
    assert code == EXIT_OK
    text = err.getvalue()
    assert "\r\x1b[K" in text
    assert "waiting for 1 install(s)" in text
    assert text.endswith("\r\x1b[K")  # the status line is cleared at the end


def _wait_in_a_process(org: Org, stderr_to_a_terminal_of: int | None) -> tuple[int, str]:
    """`pulumi-nuon wait` as a real process through a 5-status rollout, its stderr a pipe or a pseudo-terminal
    `stderr_to_a_terminal_of` columns wide; (exit code, stderr as the terminal or pipe received it)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.apply_success(step_seconds=5))
    org.sim.auto_advance(5, route="latest_deploy")
    argv = [str(SCRIPT), "wait", "--component", org.app.id, org.prod.id, "--interval", "0.3", "--timeout", "30"]
    env = {**os.environ, **org.env}
    env.pop("COLUMNS", None)
    if stderr_to_a_terminal_of is None:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
        return done.returncode, done.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, stderr_to_a_terminal_of, 0, 0))
    received = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        proc.communicate(timeout=60)
        reader.join(timeout=10)
    finally:
        os.close(master)
    return proc.returncode, received.decode().replace("\r\n", "\n")


def test_wait_on_a_terminal_keeps_its_status_line_within_the_terminals_width(org: Org) -> None:
    code, err = _wait_in_a_process(org, stderr_to_a_terminal_of=60)
    assert code == EXIT_OK, err
    rows = err.split("\n")
    drawn = [part for row in rows for part in row.split("\r\x1b[K") if part]
    status = [part for part in drawn if part.startswith("waiting for 1 install(s)")]
    assert len(status) >= 3, err  # redrawn while it waited
    assert max(len(part) for part in drawn if part in status) <= 59, status  # never wraps to a second row
    assert any(part.endswith("…") and len(part) == 59 for part in status), status  # the long ones are cut
    assert any("last: executing (inl" in part for part in status), status  # the news first, the id cut
    assert f"deploy {org.sim.latest_deploy(org.prod, org.app)['id']} is executing" in err  # type: ignore[index]


def test_wait_not_on_a_terminal_writes_one_plain_line_per_status_change(org: Org) -> None:
    code, err = _wait_in_a_process(org, stderr_to_a_terminal_of=None)
    assert code == EXIT_OK, err
    assert "\r" not in err and "\x1b" not in err and "waiting for 1 install(s)" not in err
    lines = err.splitlines()
    assert len(lines) == len(set(lines)), lines  # each status change once
    statuses = [line.split(" is ", 1)[1].split(":")[0] for line in lines if " is " in line]
    assert statuses[-1] == "active" and "executing" in statuses, lines
    assert lines[-1].endswith("all 1 install(s) passed")


# -- errors: one line, exit 3, never a traceback ---------------------------------------------------------------


def test_bad_token_exits_3_without_traceback(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUON_API_TOKEN", "wrong-token")
    for argv in (
        ["releases", org.app.id],
        ["deploy", org.prod.id, org.app.id],
        ["wait", "--component", org.app.id, org.prod.id, *FAST],
    ):
        code, out, err = run(*argv)
        assert code == EXIT_ERROR, argv
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "401" in err or "token" in err.lower()
        no_leaks(out, err)


def test_missing_settings_are_said_in_shell_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell user sets environment variables and flags: no `pulumi config set`, no `api_token=`."""
    code, _, err = run("releases", CMP1)
    assert code == EXIT_ERROR
    assert err == (
        "error: no Nuon API token: export NUON_API_TOKEN=<api token> (the CLI reads the Nuon API token only from the "
        "environment, so it stays out of shell history).\n"
    )
    monkeypatch.setenv("NUON_API_TOKEN", "t")
    code, _, err = run("deploy", INL1, CMP1)
    assert code == EXIT_ERROR
    assert (
        err
        == "error: no Nuon org id (sent as `X-Nuon-Org-ID`): export NUON_ORG_ID=<org id> or pass --org-id <org id>.\n"
    )
    assert "pulumi config" not in err and "org_id=" not in err


def test_insecure_url_and_bad_ids_exit_3(org: Org) -> None:
    code, _, err = run("--api-url", "http://example.com", "releases", org.app.id)
    assert code == EXIT_ERROR and "clear text" in err
    code, _, err = run("deploy", "inl with space", org.app.id)
    assert code == EXIT_ERROR and err.startswith("error: ")
    assert org.sim.log.count() == 0


# Every name the core uses for an option or a setting (the option table's and SETTINGS'): none may reach a CLI user.
PYTHON_NAMES = re.compile(
    r"\b("
    + "|".join(
        sorted(n for n in {o.name for spec in SPECS for o in spec.inputs} | {s.name for s in SETTINGS} if "_" in n)
    )
    + r")\b"
    "|nuon:[a-z]+[A-Z]"
)


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["releases", "cmp0", "--limit", "abc"], "--limit"),
        (["releases", "cmp0", "--limit", "0"], "--limit"),
        (["wait", "--component", CMP1, INL1, "--timeout", "x"], "--timeout"),
        (["wait", "--component", CMP1, INL1, "--timeout", "5"], "--interval (10) must not exceed --timeout (5)"),
        (["wait", "--component", CMP1, INL1, "--interval", "0"], "--interval"),
        (["wait", "--component", CMP1, INL1, "--concurrency", "1.5"], "--concurrency"),
        (["wait", "--component", CMP1, INL1, "--build-id", "x"], "--build-id"),
        (["wait", "--component", "cmp0", INL1], "--component"),
        (["wait", "--component", CMP1, "inl0"], "INSTALL"),
        (["deploy", INL1, "cmp/0"], "COMPONENT"),
        (["releases", "cmp 0"], "COMPONENT"),
        (["--request-timeout", "0", "deploy", INL1, CMP1], "--request-timeout"),
        (["simulate", "--port", "70000"], "--port"),
        (["demo", "--speed", "0"], "--speed"),
    ],
)
def test_every_usage_error_names_the_flag_never_a_python_name(
    argv: list[str], flag: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NUON_API_TOKEN", "t")
    monkeypatch.setenv("NUON_ORG_ID", ORG_ID)
    monkeypatch.setenv("NUON_API_URL", "http://127.0.0.1:9")  # nothing is sent: each fails before a request
    code, _, err = run(*argv)
    err += capsys.readouterr().err  # argparse writes its usage errors to sys.stderr
    assert code == EXIT_ERROR, err
    said = err.splitlines()[-1]
    assert said.startswith("error: ") and flag in said, said
    assert not PYTHON_NAMES.search(said) and "could not convert" not in said, said


def test_the_wait_messages_and_help_speak_in_flags(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("executing"))
    code, _, err = run("wait", "--component", org.app.id, org.prod.id, "--interval", "0.05", "--timeout", "0.3")
    assert code == EXIT_TIMEOUT and "raise --timeout" in err, err
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("auto-skipped"))
    code, _, err = run("wait", "--component", org.app.id, org.prod.id, *FAST, "--no-accept-auto-skipped")
    assert code == EXIT_FAILED and "--no-accept-auto-skipped was given" in err, err
    assert "leave out --no-accept-auto-skipped to accept no-op deploys" in err
    assert not PYTHON_NAMES.search(err), err
    code, _, err = run("wait", "--component", org.app.id, org.prod.id, *FAST)  # unpinned, passing on an old deploy
    assert code == EXIT_OK and "Pin the deploy with --build-id" in err, err
    assert not PYTHON_NAMES.search(err), err
    assert main(["wait", "--help"]) == EXIT_OK
    help_text = capsys.readouterr().out
    assert "unless --no-accept-auto-skipped was given" in help_text and "--not-found-grace" in help_text
    assert not PYTHON_NAMES.search(help_text.split("What the wait does")[1]), help_text


def test_usage_errors_exit_3_not_2(
    org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Working settings and ids, and an active deploy to wait for: only the usage error can make these exit 3.
    for name, value in org.env.items():
        monkeypatch.setenv(name, value)
    assert main(["wait", org.prod.id]) == EXIT_ERROR  # --component missing
    assert "error:" in capsys.readouterr().err
    assert main(["wait", "--component", org.app.id, org.prod.id, "--timeout", "-1"]) == EXIT_ERROR
    assert "timeout" in capsys.readouterr().err
    assert main(["nonsense"]) == EXIT_ERROR
    assert "error:" in capsys.readouterr().err
    assert org.sim.log.count() == 0
    assert main(["wait", "--component", org.app.id, org.prod.id, *FAST]) == EXIT_OK  # the same, well formed


def test_help_teaches_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == EXIT_OK
    text = capsys.readouterr().out
    for command in ("releases", "deploy", "wait", "simulate", "demo"):
        assert command in text
    assert "NUON_API_TOKEN" in text and "exit codes" in text and "examples:" in text
    for command in ("releases", "deploy", "wait", "simulate", "demo"):
        assert main([command, "--help"]) == EXIT_OK
        assert "exit codes" in capsys.readouterr().out, command
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("pulumi-nuon ")


def test_no_token_flag(org: Org, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Working settings and a real component: only the refused flag can make these exit 3.
    for name, value in org.env.items():
        monkeypatch.setenv(name, value)
    for flag in ("--api-token", "--token"):
        assert main(["releases", org.app.id, flag, CANARY_TOKEN]) == EXIT_ERROR
        err = capsys.readouterr().err
        assert f"unrecognized arguments: {flag}" in err and CANARY_TOKEN not in err
    assert org.sim.log.count() == 0
    assert main(["releases", org.app.id]) == EXIT_OK  # the same, without the flag


def test_demo_with_the_pulumi_engine_and_no_cli_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run("demo", "--engine", "pulumi")
    assert code == EXIT_ERROR
    assert err.startswith("error: no Pulumi CLI: `pulumi` is not on PATH.") and "make pulumi-cli" in err
    assert out == ""
    code, out, err = run("demo", "--engine", "pulumi", "--pulumi-bin", str(tmp_path / "nowhere"))
    assert code == EXIT_ERROR
    assert f"nor in {tmp_path / 'nowhere'}" in err


def test_demo_without_a_cli_refuses_in_one_line_where_local_engine_cannot_run() -> None:
    """The package allows pulumi >= 3.171; LocalEngine is another distribution (tools/localengine) and needs 3.256.
    Where it is not installed (the floor venv) or cannot drive the SDK, the demo says so in one line and how to run
    on the real CLI instead; where it can, the check that decides it passes."""
    refusal = local_engine_refusal()
    if refusal is None:
        from nuon_localengine import MINIMUM_SDK, sdk_version

        assert tuple(int(part) for part in sdk_version().split(".")[:2]) >= MINIMUM_SDK, sdk_version()
        return
    code, out, err = run("demo", "--engine", "local")
    assert (code, out, err) == (EXIT_ERROR, "", f"error: {refusal}\n")
    assert len(err.splitlines()) == 1 and "make pulumi-cli" in err


def test_demo_without_local_engine_installed_refuses_in_one_line_as_a_process() -> None:
    """The console script where `nuon_localengine` cannot be imported (as after `pip install .`): exit 3, one line."""
    code = (
        "import sys; sys.modules['nuon_localengine'] = None; from pulumi_nuon.cli import main; "
        "sys.exit(main(['demo', '--engine', 'local']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_ERROR and done.stdout == ""
    assert done.stderr.startswith("error: no Pulumi CLI found, and LocalEngine (the `nuon-localengine` distribution")
    assert len(done.stderr.splitlines()) == 1 and "make pulumi-cli" in done.stderr and "Traceback" not in done.stderr


def test_simulate_with_unknown_scenario_exits_3() -> None:
    code, _, err = run("simulate", "--scenario", "no-such-scenario")
    assert code == EXIT_ERROR
    assert err.startswith("error: no scenario 'no-such-scenario'")


# -- the console script, as a real process ---------------------------------------------------------------------


def test_console_script_reads_and_fails_cleanly(org: Org) -> None:
    env = {**os.environ, **org.env}
    done = subprocess.run(
        [str(SCRIPT), "deploy", org.prod.id, org.app.id, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["status"] == "active"

    env["NUON_API_TOKEN"] = "wrong"
    done = subprocess.run(
        [str(SCRIPT), "releases", org.app.id], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_simulate_serves_until_interrupted_or_terminated(stop_signal: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
    proc = subprocess.Popen(
        [str(SCRIPT), "simulate", "--scenario", "demo", "--speed", "10"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(9)]
        export = next(line for line in lines if "export NUON_API_URL=" in line)
        settings = dict(part.split("=", 1) for part in export.split()[1:])
        assert settings["NUON_API_URL"].startswith("http://127.0.0.1:")
        response = httpx.get(
            settings["NUON_API_URL"] + "/v1/components/nope/releases",
            headers={"Authorization": f"Bearer {settings['NUON_API_TOKEN']}", "X-Nuon-Org-ID": settings["NUON_ORG_ID"]},
            timeout=5,
        )
        assert response.status_code == 200 and response.json() == []
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == EXIT_OK, err
    assert "Nuon simulator stopped." in out
    assert "Traceback" not in err


def test_simulate_prints_its_ids_and_commands_that_work_when_pasted() -> None:
    """The newcomer's path: `simulate` in one shell; its export line and its `wait` line pasted into another (from
    the same directory, the venv not activated) wait through the whole rollout and pass, without a warning."""
    import shlex

    env = {k: v for k, v in os.environ.items() if not k.startswith("NUON_")}
    env["PATH"] = os.defpath  # the venv is not on PATH, as after `make demo`
    proc = subprocess.Popen(
        [str(SCRIPT), "simulate", "--speed", "4"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        printed = []
        while not printed or not printed[-1].startswith("Press Ctrl-C"):
            printed.append(proc.stdout.readline())
        text = "".join(printed)
        sim = Scenario.load("demo").build()
        component, install = sim.component("web-app"), sim.install("acme-prod")
        assert f"component web-app: {component.id}" in text and f"install acme-prod: {install.id}" in text
        for other in ("globex-prod", "initech-staging"):
            assert f"install {other}: {sim.install(other).id}" in text
        export = next(line for line in printed if line.strip().startswith("export "))
        pasted_env = {**env, **dict(part.split("=", 1) for part in shlex.split(export)[1:])}
        wait = next(line for line in printed if " wait " in line)
        argv = shlex.split(wait)
        assert Path(argv[0]).resolve() == SCRIPT.resolve()  # relative to where `simulate` ran, when under it
        assert f"`source {Path(argv[0]).parent / 'activate'}` first" in text
        assert "--build-id" in argv and install.id in argv and component.id in argv
        time.sleep(5)  # the newcomer reads before pasting: the rollout (4 s at --speed 4) has passed on the clock
        done = subprocess.run(argv, env=pasted_env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == EXIT_OK, done.stderr
        assert "warning" not in done.stderr
        for status in ("queued", "executing", "pending-approval", "active"):  # it saw the rollout all the same
            assert f"is {status}" in done.stderr, done.stderr
        deploy = next(line for line in printed if " deploy " in line and " wait " not in line)
        done = subprocess.run(shlex.split(deploy), env=pasted_env, capture_output=True, text=True, timeout=60)
        assert done.returncode == EXIT_OK and "status" in done.stdout and "active" in done.stdout, done.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=10)
        finally:  # a simulator that outlived its Ctrl-C would serve on after the run
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_wait_fails_when_no_deploy_appears_within_the_grace(org: Org) -> None:
    lonely = org.sim.add_install("lonely", components=[])
    code, _, err = run("wait", "--component", org.app.id, lonely.id, "--interval", "0.05", "--not-found-grace", "0.2")
    assert code == EXIT_FAILED
    assert "grace period" in err and "404" in err


def test_wait_fail_on_pending_approval(org: Org) -> None:
    org.sim.trigger_deploy(org.prod, org.app, timeline=Timeline.constant("pending-approval"))
    code, _, err = run("wait", "--component", org.app.id, org.prod.id, *FAST, "--fail-on-pending-approval")
    assert code == EXIT_FAILED
    assert "approval" in err


def test_the_version_literal_is_the_installed_distributions_version() -> None:
    from importlib import metadata

    assert nuon.__version__ == metadata.version("pulumi-nuon")


def test_python_dash_m_pulumi_nuon_is_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_nuon", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == f"pulumi-nuon {nuon.__version__}"
