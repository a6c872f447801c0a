"""`pulumi-nuon`: read and wait on Nuon deploys from a shell or a CI pipeline, run the simulator, run the demo.

    pulumi-nuon releases cmp123 --limit 5            # a component's releases, newest first
    pulumi-nuon deploy inl123 cmp123 --json          # the latest deploy of a component on an install
    pulumi-nuon wait --component cmp123 inl1 inl2    # block until the deploys finish (the DeployGate's engine)
    pulumi-nuon simulate --scenario demo             # an in-memory Nuon API on 127.0.0.1
    pulumi-nuon demo                                 # a Pulumi program gating on a simulated deploy

Exit codes: 0 success (for `wait`: every deploy passed), 1 a deploy failed, 2 `wait` timed out, 3 the command could
not run (bad usage, missing settings, authentication, an API error), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM; `wait` says so and what was still pending). The API token is read only
from the environment variable ``NUON_API_TOKEN``, never from a flag, so it stays out of shell history.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from pulumi_nuon._version import __version__
from pulumi_nuon.cli.invocation import PROG, how_to_run
from pulumi_nuon.core import constants as C
from pulumi_nuon.core.constants import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_TIMEOUT,
)
from pulumi_nuon.core.errors import ConfigurationError, DeployFailedError, DeployTimeoutError, NuonError
from pulumi_nuon.core.options import COMPONENT_RELEASES, DEPLOY_GATE, SPECS, Option, check_limit, check_value
from pulumi_nuon.core.settings import API_TOKEN, ORG_ID, SETTINGS
from pulumi_nuon.gate.rules import render_rules_text

__all__ = ["build_parser", "main"]


def _settings_help() -> str:
    """The epilog's settings block, one line per row of SETTINGS."""
    width = max(len(s.env) for s in SETTINGS) + 2
    lines = []
    for s in SETTINGS:
        where = f"or {s.cli}" if s.cli else "only from the environment: no flag, so it stays out of shell history"
        default = (
            ""
            if s.default is None
            else f"; default {s.default:g}"
            if isinstance(s.default, float)
            else f"; default {s.default}"
        )
        lines.append(f"  {s.env.ljust(width)}the {s.what} ({where}{default})")
    return "\n".join(lines)


_EPILOG = f"""\
settings:
{_settings_help()}

examples:
  {PROG} demo                                  watch a Pulumi program wait on a simulated deploy
  {PROG} simulate                              serve a fake Nuon on 127.0.0.1 and print its settings
  export {API_TOKEN.env}=... {ORG_ID.env}=org...
  {PROG} releases cmp... --limit 5             a component's newest releases
  {PROG} deploy inl... cmp... --json           the latest deploy of a component on an install
  {PROG} wait --component cmp... inl... inl... --build-id bld... --timeout 1800

exit codes:
  0  success (wait: every deploy passed)     2  wait: the timeout passed first
  1  wait: a deploy failed                   3  could not run: usage, settings, auth or API error
  130  interrupted (Ctrl-C)                   143  terminated (SIGTERM)
"""

# -- the CLI's words: flags, not Python names -------------------------------------------------------------------

# How the CLI spells each name the core's messages use (an option's or a setting's): its flag, or its positional
# argument, from the option table and SETTINGS. The install ids are one positional argument, whether the core
# speaks of one install (`install_id`) or many; `releases` and `deploy` take the component as a positional too.
_FLAGS: dict[str, str] = {
    **{o.name: o.cli.rstrip(".") for spec in SPECS for o in spec.inputs if o.cli},
    **{s.name: s.cli for s in SETTINGS if s.cli},
}
_FLAGS["install_id"] = _FLAGS["install_ids"]
_POSITIONAL_COMPONENT = {"component_id": "COMPONENT"}
_BOOLEAN_FLAGS = {o.name: o.cli for o in DEPLOY_GATE.inputs if o.type == "boolean" and o.cli}


def _phrases(name: str, flag: str) -> list[tuple[str, str]]:
    """How a boolean option's state reads as its flag: `accept_auto_skipped is False` → `--no-accept-auto-skipped
    was given`, `set accept_auto_skipped to` → `leave out --no-accept-auto-skipped to`."""
    negated = flag.startswith("--no-")
    given = "false" if negated else "true"
    return [
        (rf"`?\b{name}\b`? is (?i:{given})\b", f"{flag} was given"),
        (rf"\bset `?{name}`? to\b", f"{'leave out' if negated else 'pass'} {flag} to"),
    ]


_BOOLEAN_PHRASES = [(re.compile(p), r) for name, flag in _BOOLEAN_FLAGS.items() for p, r in _phrases(name, flag)]
# A setting's stack config key (`nuon:apiUrl / NUON_API_URL`, as the core says it) as a shell user sets it.
_CONFIG_KEYS = [
    (re.compile(rf"{re.escape(s.config_key)}(?: / {s.env}\b)?"), f"{s.cli} / {s.env}" if s.cli else s.env)
    for s in SETTINGS
]


def in_flags(text: str, *, positional_component: bool = False) -> str:
    """``text`` (a core message, a hint, a rule) with every option and setting named as the CLI spells it:
    ``poll_interval_seconds`` → ``--interval``, ``install_id`` → ``INSTALL``. ``positional_component``: the
    command takes the component as its ``COMPONENT`` argument (``releases``, ``deploy``), not ``--component``."""
    flags = {**_FLAGS, **_POSITIONAL_COMPONENT} if positional_component else _FLAGS
    for pattern, replacement in [*_BOOLEAN_PHRASES, *_CONFIG_KEYS]:
        text = pattern.sub(replacement, text)
    names = sorted((n for n in flags if "_" in n), key=len, reverse=True)  # bare words (`limit`) stay words
    return re.sub(r"\b(" + "|".join(names) + r")\b", lambda m: flags[m.group(1)], text)


_WAIT_EPILOG = f"""\
What the wait does with each install's latest deploy (the same rules as nuon.DeployGate):
{in_flags(render_rules_text(100))}

exit codes: 0 every deploy passed, 1 a deploy failed, 2 the timeout passed first, 3 could not run (settings,
authentication, bad ids, API errors), 130 interrupted, 143 terminated (SIGTERM).
"""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on exit code 3, so 2 keeps meaning "timed out" for `wait`."""

    def error(self, message: str) -> NoReturn:
        head, found, rest = message.partition("unrecognized arguments: ")
        if found:  # name the flags only: a value after one may be a secret (`--api-token <token>` is not a flag)
            flags = [word for word in rest.split() if word.startswith("-")]
            message = head + found + (" ".join(flags) if flags else "values that belong to no option")
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"error: {message}\n")


def _option_type(option: Option, check: Callable[[Any], Any] | None = None) -> Callable[[str], Any]:
    """An argparse type that checks a flag's value as the option table does (same bounds, same words), in the
    flag's terms: argparse puts `argument --timeout: ` before what this says (`must be a number greater than 0
    and at most 604800, got 'x'`).

    Minimums that depend on the API URL (the poll interval's) are checked at their loosest here and for the
    URL in use when the wait starts."""

    def parse(text: str) -> Any:
        value: Any = text
        if option.type in ("number", "integer"):
            try:
                value = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"must be {option.bounds_text()}, got {text!r}") from None
        try:
            return check(value) if check is not None else check_value(option, value, loopback=True)
        except ValueError as err:
            said = str(err).removeprefix(f"{option.name} ")  # argparse names the flag already
            raise argparse.ArgumentTypeError(in_flags(said)) from None

    parse.__name__ = option.type
    return parse


_SPEED = Option("speed", "number", "simulated time runs X× real time", positive=True, maximum=1000)
_PORT = Option("port", "integer", "the port to listen on (0: any free port)", minimum=0, maximum=65535)


def _add_gate_flags(p: argparse.ArgumentParser) -> None:
    """The ``wait`` flags: one per gate option with a CLI flag in the option table."""
    for option in DEPLOY_GATE.inputs:
        flag = option.cli
        if flag is None or not flag.startswith("--"):
            continue
        help_text = in_flags(option.doc).replace("`", "").replace("%", "%%")
        if option.type == "boolean":
            negated = flag.startswith("--no-")
            p.add_argument(
                flag,
                dest=option.name,
                action="store_false" if negated else "store_true",
                default=option.default,
                help=f"turn this off: {help_text}" if negated else help_text,
            )
            continue
        default_text = "" if option.default is None else " (default: %(default)g)"
        if option.default_text is not None:
            default_text = ""  # the doc says how the default is chosen
        p.add_argument(
            flag,
            dest=option.name,
            type=_option_type(option),
            default=option.default,
            required=option.required,
            metavar=option.name[0].upper()
            if option.type == "id"
            else ("S" if option.name.endswith("seconds") else "N"),
            help=help_text + default_text,
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pulumi-nuon`` (its ``wait`` flags come from the option table)."""
    # The connection options are accepted before or after the subcommand (SUPPRESS keeps either from
    # overwriting the other with a default).
    common = _Parser(add_help=False)
    group = common.add_argument_group("connection (the token comes only from $NUON_API_TOKEN)")
    for setting in SETTINGS:  # one flag per connection setting that has one (the token has none)
        if setting.cli is None:
            continue
        default = f"${setting.env}" + (f" or {setting.default:g}" if isinstance(setting.default, float) else "")
        default += f" or {setting.default}" if isinstance(setting.default, str) else ""
        group.add_argument(
            setting.cli,
            dest=setting.name,
            default=argparse.SUPPRESS,
            type=_option_type(setting.option) if setting.option is not None else str,
            metavar="S" if setting.type == "number" else setting.name.split("_")[-1].upper(),
            help=f"{setting.doc.replace('`', '').replace('%', '%%')} (default: {default})",
        )

    parser = _Parser(
        prog=PROG,
        description="Read and wait on Nuon releases and deploys from a shell or CI; run the local simulator and demo.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, summary: str, description: str, epilog: str, *, connects: bool) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common] if connects else [],
        )

    p = command(
        "releases",
        "list a component's releases, newest first",
        "List a component's releases, newest first (releases are a legacy Nuon feature; newer APIs answer 404).",
        "exit codes: 0 listed (an unknown component lists nothing), 3 could not run (settings, auth, API error).",
        connects=True,
    )
    p.add_argument("component", metavar="COMPONENT", help="component id (cmp...)")
    limit = COMPONENT_RELEASES.input("limit")
    p.add_argument(limit.cli or "--limit", type=_option_type(limit, check_limit), metavar="N", help=limit.doc)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command(
        "deploy",
        "show the latest deploy of a component on an install",
        "Show the latest deploy of a component on an install: its id, status, Nuon's description, build.",
        "exit codes: 0 shown (also when there is no deploy yet: `found` is false), 3 could not run.",
        connects=True,
    )
    p.add_argument("install", metavar="INSTALL", help="install id (inl...)")
    p.add_argument("component", metavar="COMPONENT", help="component id (cmp...)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command(
        "wait",
        "wait until a component's deploys on installs finish (0 passed, 1 failed, 2 timed out)",
        "Wait until the latest deploy of COMPONENT on every INSTALL has finished, like a DeployGate does.",
        _WAIT_EPILOG,
        connects=True,
    )
    p.add_argument("installs", nargs="+", metavar="INSTALL", help="install ids (inl...)")
    _add_gate_flags(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    p = command(
        "simulate",
        "serve an in-memory Nuon API on 127.0.0.1 until Ctrl-C",
        "Serve a scenario on an in-memory Nuon API on 127.0.0.1, in real time (times --speed), and print the "
        "environment variables that point this CLI and Pulumi programs at it.",
        "exit codes: 0 stopped with Ctrl-C, 3 the scenario could not be loaded or the port is taken.",
        connects=False,
    )
    p.add_argument(
        "--scenario", default="demo", metavar="NAME|FILE", help="built-in scenario (demo, failure) or a JSON file"
    )
    p.add_argument(
        "--port", type=_option_type(_PORT), default=0, metavar="N", help="port to listen on (default: any free port)"
    )
    p.add_argument(
        "--speed", type=_option_type(_SPEED), default=1.0, metavar="X", help="simulated time runs X× real time"
    )

    p = command(
        "demo",
        "run examples/gated-rollout against the simulator: preview, up (the gate waits), up again",
        "Start the simulator, run the gated-rollout example through a preview, an update in which the DeployGate "
        "waits for the simulated deploy, and a second update that changes nothing. Needs a checkout of the "
        "repository (it runs examples/gated-rollout).",
        "exit codes: 0 the demo ran (with --scenario failure: never), 1 the update failed on the deploy (what "
        "--scenario failure shows), 3 could not run (e.g. --engine pulumi without the Pulumi CLI).",
        connects=False,
    )
    p.add_argument(
        "--scenario", default="demo", choices=["demo", "failure"], help="demo: the deploy succeeds; failure: it fails"
    )
    p.add_argument(
        "--speed",
        type=_option_type(_SPEED),
        default=C.DEMO_SPEED,
        metavar="X",
        help="simulated time runs X× real time; the gate's polls keep pace (default: %(default)g: the gate waits "
        f"about {C.DEMO_DEPLOY_SECONDS / C.DEMO_SPEED:.0f} s)",
    )
    p.add_argument(
        "--engine",
        default="auto",
        choices=["auto", "local", "pulumi"],
        help="pulumi: the real `pulumi` CLI (--pulumi-bin's, else PATH's); local: pulumi_nuon.testing.LocalEngine (no "
        "Pulumi CLI needed); auto: the real CLI when there is one, else LocalEngine (default: %(default)s)",
    )
    p.add_argument(
        "--pulumi-bin",
        metavar="DIR",
        default=None,
        help="the folder holding the `pulumi` to run (what `make pulumi-cli` prints; `make demo` passes it)",
    )
    return parser


# -- output helpers --------------------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _fields(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k.ljust(width)}  {'-' if v is None else v}" for k, v in pairs)


def _print_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")


def _client_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    # config={} keeps the client to its arguments and the environment (no Pulumi stack outside a program).
    given = {s.name: getattr(args, s.name, None) for s in SETTINGS if s.cli is not None}
    return {**given, "config": {}}


# -- commands --------------------------------------------------------------------------------------------------


def _cmd_releases(args: argparse.Namespace, out: TextIO) -> int:
    from pulumi_nuon.api.client import NuonClient
    from pulumi_nuon.core.options import GET_COMPONENT_RELEASES, checked
    from pulumi_nuon.gate.views import releases_read

    checked(GET_COMPONENT_RELEASES, component_id=args.component)  # a name or another kind of id: before any request
    with NuonClient(**_client_kwargs(args)) as client:
        releases = list(client.list_component_releases(args.component, limit=args.limit))
    result = releases_read(args.component, releases)
    if args.json:
        _print_json(result, out)
        return EXIT_OK
    if not releases:
        out.write(f"No releases for component {args.component}.\n")
        return EXIT_OK
    rows = [
        (r.id, r.build_id, r.status, len(r.release_steps or []) or r.total_release_steps, r.created_at)
        for r in releases
    ]
    out.write(_table(["release", "build", "status", "steps", "created at"], rows) + "\n")
    out.write(f"{len(releases)} release(s), newest first; latest build: {result['latest_build_id']}\n")
    return EXIT_OK


def _cmd_deploy(args: argparse.Namespace, out: TextIO) -> int:
    from pulumi_nuon.api.client import NuonClient
    from pulumi_nuon.core.options import GET_LATEST_DEPLOY, checked
    from pulumi_nuon.gate.views import deploy_read

    checked(GET_LATEST_DEPLOY, install_id=args.install, component_id=args.component)
    with NuonClient(**_client_kwargs(args)) as client:
        deploy = client.get_latest_deploy(args.install, args.component)
    result = deploy_read(args.install, args.component, deploy)
    if args.json:
        _print_json(result, out)
        return EXIT_OK
    if not result["found"]:
        out.write(
            f"No deploy of component {args.component} on install {args.install} yet "
            "(Nuon answered 404: not deployed yet, or the install does not have the component).\n"
        )
        return EXIT_OK
    out.write(
        _fields(
            [
                ("deploy", result["deploy_id"]),
                ("status", result["status"]),
                ("phase", result["phase"]),
                ("description", result["status_description"]),
                ("build", result["build_id"]),
                ("release step", result["release_id"]),
                ("type", result["install_deploy_type"]),
                ("created at", result["created_at"]),
                ("updated at", result["updated_at"]),
            ]
        )
        + "\n"
    )
    return EXIT_OK


def _columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to, as ``shutil.get_terminal_size`` tells it (``$COLUMNS``
    first), asked of the stream itself: stdout may be a pipe (``| tee``) while stderr is the terminal."""
    import os
    import shutil

    fallback = shutil.get_terminal_size()
    if os.environ.get("COLUMNS", "").isdigit():
        return fallback.columns
    try:
        return os.get_terminal_size(stream.fileno()).columns or fallback.columns
    except (AttributeError, OSError, ValueError):  # not a real file (a test's StringIO), or closed
        return fallback.columns


# A progress line of the waiter: `[   4.9s] inl…: deploy dpl… is pending-approval: waiting for approval`.
_PROGRESS_LINE = re.compile(r"\[\s*[\d.]+s\]\s+(?:(?P<install>\S+): (?:deploy \S+ is )?)?(?P<what>.+)")


class _LiveLine:
    """Progress for `wait`: permanent lines, one per status change; on a terminal also one status line, rewritten
    in place with `\\r` and cut to the terminal's width less one column (a line that wraps could not be rewritten:
    each redraw would leave a row behind). Not on a terminal (CI logs, pipes), plain lines only, as pip and
    pulumi do."""

    def __init__(self, err: TextIO, *, live: bool, count: int) -> None:
        self._err = err
        self._live = live
        self._count = count
        self._started = time.monotonic()
        self._last = "starting"
        self._shown = False

    def line(self, text: str) -> None:
        self._clear()
        self._err.write(text.rstrip("\n") + "\n")
        # The status first and the install after it, so a narrow terminal cuts the id rather than the news.
        said = _PROGRESS_LINE.match(text.strip())
        if said is None:
            self._last = text.strip()
        else:
            self._last = f"{said['what']} ({said['install']})" if said["install"] else said["what"]
        self._err.flush()
        self.redraw()

    def redraw(self) -> None:
        if not self._live:
            return
        elapsed = time.monotonic() - self._started
        status = f"waiting for {self._count} install(s)… {elapsed:6.1f}s  last: {self._last}"
        width = max(_columns(self._err) - 1, 1)  # asked each time: the terminal may have been resized
        if len(status) > width:
            status = status[: width - 1] + "…"
        self._err.write("\r\x1b[K" + status)
        self._err.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._live and self._shown:
            self._err.write("\r\x1b[K")
            self._shown = False

    def done(self) -> None:
        self._clear()
        self._err.flush()


class _Terminated(Exception):
    """SIGTERM arrived while `wait` was waiting."""


async def _wait_with_ticker(run: Callable[[], Any], live: _LiveLine, tick: bool) -> Any:
    import asyncio
    import signal
    import threading

    task = asyncio.ensure_future(run())
    loop = asyncio.get_running_loop()
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    handled = threading.current_thread() is threading.main_thread()
    if handled:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        while tick and not task.done():
            live.redraw()
            await asyncio.wait({task}, timeout=0.25)
        try:
            return await task
        except asyncio.CancelledError:
            if terminated:
                raise _Terminated() from None
            raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGTERM)


def _outcome_rows(result: Any) -> list[tuple[Any, ...]]:
    return [
        (install_id, o.deploy_id, o.status, str(o.phase), f"{o.elapsed_seconds:.1f}s", o.status_description)
        for install_id, o in result.installs.items()
    ]


def _result_json(result: Any, verdict: str) -> dict[str, Any]:
    return {
        "result": verdict,
        "passed": bool(result.passed),
        "passed_at": result.passed_at,
        "elapsed_seconds": round(float(result.elapsed_seconds), 3),
        "installs": {
            install_id: {
                "deploy_id": o.deploy_id,
                "status": o.status,
                "phase": str(o.phase),
                "status_description": o.status_description,
                "elapsed_seconds": round(float(o.elapsed_seconds), 3),
            }
            for install_id, o in result.installs.items()
        },
    }


def _cmd_wait(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from pulumi_nuon.api.client import AsyncNuonClient
    from pulumi_nuon.gate.wait import WaitOptions, wait_for_deploys

    options = WaitOptions.from_inputs(vars(args))
    tty = err.isatty()
    live = _LiveLine(err, live=tty, count=len(args.installs))
    client = AsyncNuonClient(**_client_kwargs(args))  # settings errors surface here, before any waiting

    async def run() -> Any:
        async with client:
            return await wait_for_deploys(
                args.component_id,
                list(args.installs),
                options=options,
                client=client,
                on_progress=lambda line: live.line(in_flags(line)),
            )

    verdict, code, result, message = "passed", EXIT_OK, None, None
    try:
        result = asyncio.run(_wait_with_ticker(run, live, tty))
    except DeployFailedError as exc:
        verdict, code, result, message = "failed", EXIT_FAILED, getattr(exc, "result", None), str(exc)
    except DeployTimeoutError as exc:
        verdict, code, result, message = "timed out", EXIT_TIMEOUT, getattr(exc, "result", None), str(exc)
    except _Terminated:
        live.done()
        err.write(
            f"terminated: SIGTERM arrived; stopped waiting for component {args.component_id} on "
            f"{len(args.installs)} install(s) without a verdict (exit code {EXIT_TERMINATED})\n"
        )
        err.flush()
        return EXIT_TERMINATED
    finally:
        live.done()
    if message is not None:
        err.write(f"{verdict}: {in_flags(message)}\n")
    if result is not None:
        if args.json:
            _print_json(_result_json(result, verdict), out)
        else:
            out.write(_table(["install", "deploy", "status", "phase", "watched", "description"], _outcome_rows(result)))
            out.write(f"\n{verdict}\n")
    out.flush()
    return code


def _cmd_simulate(args: argparse.Namespace, out: TextIO) -> int:
    import signal
    import threading

    from pulumi_nuon.testing.simulator import serve_forever

    # Ctrl-C stops it; so does SIGTERM (`kill <pid>`: a background job of a script ignores SIGINT).
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        command, note = how_to_run()
        serve_forever(args.scenario, args.port, out, speed=args.speed, stop=stop, command=command, command_note=note)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pulumi_nuon.cli.demo import run_demo

    return run_demo(
        scenario=args.scenario, engine=args.engine, out=out, err=err, speed=args.speed, pulumi_bin=args.pulumi_bin
    )


# -- entry point -----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI with `argv` (default: `sys.argv[1:]`) and return its exit code (the console script exits
    with it). Errors the user can act on print one `error: ...` line on stderr, never a traceback."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if args.command is None:
        parser.print_help(out)
        return EXIT_ERROR
    try:
        if args.command == "releases":
            return _cmd_releases(args, out)
        if args.command == "deploy":
            return _cmd_deploy(args, out)
        if args.command == "wait":
            return _cmd_wait(args, out, err)
        if args.command == "simulate":
            return _cmd_simulate(args, out)
        return _cmd_demo(args, out, err)
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return EXIT_INTERRUPTED
    except ConfigurationError as exc:
        err.write(f"error: {_in_shell_terms(exc)}\n")
        return EXIT_ERROR
    except NuonError as exc:  # every failure a user can cause or meet; anything else is a bug: a traceback
        err.write(f"error: {in_flags(str(exc), positional_component=args.command != 'wait')}\n")
        return EXIT_ERROR


def _in_shell_terms(exc: ConfigurationError) -> str:
    """A missing setting said as a shell user sets it: an environment variable or a flag, not stack config."""
    from pulumi_nuon.core.settings import SETTINGS

    setting = next((s for s in SETTINGS if s.name == exc.missing), None)
    if setting is None:
        wrong = next((s for s in SETTINGS if s.name == exc.setting), None)
        if wrong is not None:  # a flag's value is passed on as the client's argument: name the flag instead
            return str(exc).replace(f"({wrong.name}=)", f"({wrong.cli or wrong.env})")
        return str(exc)
    what = setting.doc.rstrip(".").replace("The ", "", 1)
    value = f"<{setting.name.replace('_', ' ')}>"
    how = f"export {setting.env}={value}" + (f" or pass {setting.cli} {value}" if setting.cli else "")
    if setting.secret:
        how += f" (the CLI reads the {what} only from the environment, so it stays out of shell history)"
    return f"no {what}: {how}."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
