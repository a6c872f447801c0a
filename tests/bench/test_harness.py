"""The benchmark harness itself, in the normal test run: pair order, what is timed, the ratio maths, the table, and
the replay server. Nothing here times anything (clocks are scripted)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pulumi_nuon import NuonClient
from pulumi_nuon.testing.simulator import Simulator, Timeline
from tests.bench.harness import (
    Row,
    Spread,
    Table,
    Target,
    allocated,
    calls_lasting,
    ideal_rounds_seconds,
    interleave,
    pair_orders,
    timed,
    timed_call,
)
from tests.bench.readme_table import END, PAGE, START, replace_table
from tests.bench.replay import Recording, RecordingTransport, ReplayServer


def scripted_clock(*readings: float) -> Callable[[], float]:
    it: Iterator[float] = iter(readings)
    return lambda: next(it)


def test_pair_orders_put_each_arm_first_equally_often_in_a_seeded_shuffle() -> None:
    orders = pair_orders(10, seed=3)
    assert sorted(orders) == [("baseline", "ours")] * 5 + [("ours", "baseline")] * 5
    assert orders == pair_orders(10, seed=3)
    assert orders != pair_orders(10, seed=4)
    assert orders[:5] != [("ours", "baseline")] * 5  # shuffled, not blocks
    odd = pair_orders(7, seed=0)
    assert len(odd) == 7 and abs(odd.count(("ours", "baseline")) - odd.count(("baseline", "ours"))) == 1


def test_interleave_runs_the_arms_in_pairs_and_discards_the_warmup() -> None:
    calls: list[str] = []

    def arm(name: str) -> Callable[[], str]:
        def run() -> str:
            calls.append(name)
            return f"{name}{sum(c == name for c in calls)}"

        return run

    ours, baseline = interleave(arm("o"), arm("b"), pairs=4, warmup=2, seed=0)
    assert len(calls) == 12
    assert all(sorted(calls[i : i + 2]) == ["b", "o"] for i in range(0, 12, 2)), calls
    assert ours == ["o3", "o4", "o5", "o6"] and baseline == ["b3", "b4", "b5", "b6"]
    assert calls[4:] != ["o", "b"] * 4 and calls[4:] != ["b", "o"] * 4  # the order is mixed, not fixed


def test_interleave_needs_at_least_one_pair() -> None:
    with pytest.raises(ValueError, match="pairs >= 1"):
        interleave(lambda: 1.0, lambda: 1.0, pairs=0)


def test_timed_times_only_the_work_and_divides_by_the_calls() -> None:
    events: list[str] = []
    readings = iter([10.0, 10.6])  # the clock is read twice: before the first call and after the last

    def clock() -> float:
        events.append("clock")
        return next(readings)

    sample = timed(
        lambda ctx: events.append(f"work {ctx}"),
        lambda: events.append("setup") or "ctx",
        lambda ctx: events.append(f"teardown {ctx}"),
        repeat=3,
        clock=clock,
    )
    assert sample() == pytest.approx(0.2)
    assert events == ["setup", "clock", "work ctx", "work ctx", "work ctx", "clock", "teardown ctx"]


def test_timed_tears_down_when_the_work_fails() -> None:
    torn: list[bool] = []

    def fail(_: None) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        timed(fail, lambda: None, lambda _: torn.append(True), clock=scripted_clock(0.0))()
    assert torn == [True]


def test_timed_call_without_setup() -> None:
    assert timed_call(lambda: None, clock=scripted_clock(1.0, 1.5))() == 0.5


def test_calls_lasting_a_duration_count_from_the_fastest_try() -> None:
    # Three tries of 20 ms, 10 ms and 40 ms: the fastest is 10 ms, so 100 ms is ten calls.
    calls: list[None] = []
    clock = scripted_clock(0.0, 0.020, 1.0, 1.010, 2.0, 2.040)
    assert calls_lasting(0.1, lambda: calls.append(None), clock=clock) == 10
    assert len(calls) == 3
    assert calls_lasting(0.1, lambda: None, tries=1, clock=scripted_clock(0.0, 5.0)) == 1


def test_allocated_tells_what_the_result_keeps_from_the_peak() -> None:
    kept = allocated(lambda n: bytearray(n), lambda: 2_000_000)()
    assert kept.kept >= 2_000_000 and kept.peak >= kept.kept
    transient = allocated(lambda n: len(bytearray(n)), lambda: 2_000_000)()
    assert transient.peak >= 2_000_000 and transient.kept < 100_000


def test_spread_is_median_quartiles_and_range() -> None:
    assert Spread.of([5.0, 1.0, 4.0, 2.0, 3.0]) == Spread(median=3.0, q1=2.0, q3=4.0, low=1.0, high=5.0)
    assert Spread.of([2.0]) == Spread(2.0, 2.0, 2.0, 2.0, 2.0)
    with pytest.raises(ValueError):
        Spread.of([])


def test_a_row_compares_pair_by_pair_not_median_by_median() -> None:
    # Medians of the arms are 3.0 and 2.0 (1.5×), but each pair's ratio is 2×: the drift hit both arms alike.
    row = Row("x", "x", "ms", ours=(2.0, 4.0, 6.0), baseline=(1.0, 2.0, 3.0), target=Target(1.5))
    assert row.ratios == (2.0, 2.0, 2.0)
    assert row.value == 2.0 and row.verdict == "fail" and not row.borderline


def test_verdicts() -> None:
    assert Row("a", "a", "ms", ours=(1.0, 1.2), baseline=(1.0, 1.0), target=Target(1.5)).verdict == "pass"
    assert Row("b", "b", "ms", ours=(1.0,), baseline=(1.0,)).verdict == "info"
    assert Row("c", "c", "s", ours=(), target=Target(60, on="ours")).verdict == "not measured"
    absolute = Row("d", "d", "s", ours=(61.0,), target=Target(60, on="ours"))
    assert absolute.verdict == "fail" and absolute.cells()[4] == "≤ 60 s"
    runs = Row("d", "d", "s", ours=(59.8, 58.9, 57.8), target=Target(60, on="ours"))
    assert runs.verdict == "pass" and runs.cells()[1] == "58.9 s (range 57.8 s–59.8 s)"
    straddling = Row("e", "e", "ms", ours=(1.4, 1.5, 1.6), baseline=(1.0, 1.0, 1.0), target=Target(1.5))
    assert straddling.verdict == "pass" and straddling.borderline


def test_a_row_refuses_inconsistent_samples() -> None:
    with pytest.raises(ValueError, match="2 samples of ours but 1"):
        Row("x", "x", "ms", ours=(1.0, 2.0), baseline=(1.0,))
    with pytest.raises(ValueError, match="needs baseline"):
        Row("x", "x", "ms", ours=(1.0,), target=Target(1.5))
    with pytest.raises(ValueError, match="unknown unit"):
        Row("x", "x", "furlongs", ours=(1.0,))


def test_the_table_renders_markdown_and_json() -> None:
    table = Table()
    table.add(
        Row(
            "parse",
            "parse a page",
            "ms",
            ours=(0.030, 0.034),
            baseline=(0.020, 0.020),
            baseline_label="`json.loads`",
            target=Target(1.5),
            note="4.5 MB",
        )
    )
    table.add(Row("suite", "make test", "s", ours=(), target=Target(60, on="ours")))
    with pytest.raises(ValueError, match="measured twice"):
        table.add(Row("parse", "again", "ms", ours=(1.0,)))
    lines = table.render().splitlines()
    assert lines[0] == "| figure | ours | baseline | ratio (median, spread) | target | result |"
    assert lines[2] == (
        "| parse a page [4.5 MB] | 32.0 ms | 20.0 ms (`json.loads`) | 1.60× (IQR 1.55–1.65, range 1.50–1.70) "
        "| ≤ 1.5× | fail |"
    )
    assert lines[3] == "| make test | — | — | — | ≤ 60 s | not measured |"
    figures = json.loads(json.dumps(table.to_json({"commit": "abc"})))
    assert figures["meta"] == {"commit": "abc"}
    parse = figures["figures"][0]
    assert parse["ratio"]["median"] == pytest.approx(1.6) and parse["verdict"] == "fail"
    assert parse["samples"] == {"ours": [0.030, 0.034], "baseline": [0.020, 0.020]}
    assert figures["figures"][1]["ours_median"] is None


def test_a_table_written_reads_back_the_same(tmp_path: Path) -> None:
    table = Table()
    table.add(Row("a", "a", "ms", ours=(0.5, 0.7), baseline=(0.25, 0.5), baseline_label="x", target=Target(1.5)))
    table.add(Row("b", "b", "s", ours=(70.0,), target=Target(60, on="ours"), note="one run"))
    table.write(tmp_path / "r.json", {"commit": "abc"})
    again, meta = Table.read(tmp_path / "r.json")
    assert again == table and meta == {"commit": "abc"}


def test_the_readme_table_is_replaced_between_its_markers() -> None:
    readme = f"# x\n\n{START}\nold table\n{END}\n\nmore\n"
    assert replace_table(readme, f"{START}\nnew\n{END}") == f"# x\n\n{START}\nnew\n{END}\n\nmore\n"
    with pytest.raises(ValueError, match="no <!-- bench-table:start -->"):
        replace_table("# no markers\n", "x")


def test_ideal_fleet_time_is_whole_rounds_of_latency() -> None:
    assert ideal_rounds_seconds(500, 8, 0.05) == pytest.approx(63 * 0.05)
    assert ideal_rounds_seconds(16, 8, 0.05) == pytest.approx(0.1)


def test_the_replay_server_answers_the_recorded_bytes_from_another_process() -> None:
    sim = Simulator(token="replay-token")
    app = sim.add_component("api")
    prod = sim.add_install("prod", components=[app])
    sim.trigger_deploy(prod, app, timeline=Timeline.constant("active"))
    recording = Recording()
    transport = RecordingTransport(sim.transport(), recording)
    with NuonClient(api_token=sim.token, org_id=sim.org_id, api_url="http://127.0.0.1:9", transport=transport) as c:
        assert c.get_latest_deploy(prod.id, app.id) is not None
    (target,) = recording.targets
    status, headers, body = recording.responses[target]
    with ReplayServer(recording) as server:
        assert server.url.startswith("http://127.0.0.1:")
        answer = httpx.get(server.url_for(target))
        assert (answer.status_code, answer.content) == (status, body)
        assert answer.headers["content-type"] == dict(headers)["content-type"]
        assert json.loads(answer.content)["status"] == "active"
        assert httpx.get(server.url_for("/v1/not-recorded")).status_code == 400
        process = server._process
    assert process is not None and process.returncode == 0


def test_the_performance_page_holds_one_bench_table() -> None:
    text = PAGE.read_text()
    assert text.count(START) == 1 and text.count(END) == 1 and text.index(START) < text.index(END)
