"""The measuring instrument behind ``make bench``: interleaved pairs, ratios with their spread, a table and a JSON file.

A benchmark compares two arms, ours and a baseline, doing the same work. On a shared machine absolute times drift
with whatever else runs, so the arms are never measured in two blocks: :func:`interleave` runs them in pairs, each
pair in a random order (half ``ours, baseline``, half ``baseline, ours``, shuffled with a fixed seed), after warm-up
pairs that are discarded. Each pair gives one ratio; a figure is the median of those ratios with their interquartile
range and min–max, next to the median absolute value of each arm.

An arm is a :data:`Sample`: a function that does the work once and returns what was measured (seconds, bytes).
:func:`timed` builds one that keeps set-up and tear-down (building clients, event loops, servers) outside the timed
region, and collects the garbage left by earlier samples before the clock starts (a collection during the work
stays in: it is part of that work's cost). Nothing in this module knows about pulumi-nuon; ``test_harness.py``
checks the order and the maths without timing anything.
"""

from __future__ import annotations

import gc
import json
import math
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

T = TypeVar("T")
C = TypeVar("C")

Sample = Callable[[], float]
"""Does the compared work once and returns the measured quantity (seconds or bytes) of that work only."""

Arm = Literal["ours", "baseline"]

# How a unit is shown: the factor from SI (seconds, bytes) and the suffix.
UNITS: dict[str, tuple[float, str]] = {"ms": (1e3, " ms"), "s": (1.0, " s"), "MB": (1e-6, " MB"), "kB": (1e-3, " kB")}


def pair_orders(pairs: int, seed: int) -> list[tuple[Arm, Arm]]:
    """The order of each pair: as many ``ours`` first as ``baseline`` first (one more of either when odd), shuffled."""
    rng = random.Random(seed)
    firsts: list[Arm] = ["ours"] * (pairs // 2) + ["baseline"] * (pairs // 2)
    if pairs % 2:
        firsts.append(rng.choice(("ours", "baseline")))
    rng.shuffle(firsts)
    return [("ours", "baseline") if first == "ours" else ("baseline", "ours") for first in firsts]


def interleave(
    ours: Callable[[], T], baseline: Callable[[], T], *, pairs: int, warmup: int = 1, seed: int = 0
) -> tuple[list[T], list[T]]:
    """Run ``warmup`` pairs (discarded), then ``pairs`` pairs; return each arm's results in pair order."""
    if pairs < 1 or warmup < 0:
        raise ValueError(f"need pairs >= 1 and warmup >= 0, got pairs={pairs}, warmup={warmup}")
    arms = {"ours": ours, "baseline": baseline}
    for order in pair_orders(warmup, seed + 1):
        for arm in order:
            arms[arm]()
    kept: dict[Arm, list[T]] = {"ours": [], "baseline": []}
    for order in pair_orders(pairs, seed):
        for arm in order:
            kept[arm].append(arms[arm]())
    return kept["ours"], kept["baseline"]


def timed(
    work: Callable[[C], object],
    setup: Callable[[], C],
    teardown: Callable[[C], object] | None = None,
    *,
    repeat: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> Sample:
    """A sample timing ``repeat`` calls of ``work(context)``, in seconds per call; set-up and tear-down are untimed."""

    def sample() -> float:
        context = setup()
        try:
            gc.collect()  # earlier samples' garbage is not this one's cost (collections during the work are)
            started = clock()
            for _ in range(repeat):
                work(context)
            return (clock() - started) / repeat
        finally:
            if teardown is not None:
                teardown(context)

    return sample


def timed_call(
    work: Callable[[], object], *, repeat: int = 1, clock: Callable[[], float] = time.perf_counter
) -> Sample:
    """A sample timing ``repeat`` calls of ``work()`` with nothing to set up (seconds per call)."""
    return timed(lambda _: work(), lambda: None, repeat=repeat, clock=clock)


def calls_lasting(
    seconds: float, work: Callable[[], object], *, tries: int = 3, clock: Callable[[], float] = time.perf_counter
) -> int:
    """How many calls of ``work`` take about ``seconds`` (from the fastest of ``tries`` calls; at least 1).

    Give both arms of a per-call figure samples of about the same length, so that a burst of load on the machine
    is as likely to land in either: a 0.5 ms sample of one arm next to a 100 ms sample of the other is not a pair.
    """
    fastest = math.inf
    for _ in range(tries):
        started = clock()
        work()
        fastest = min(fastest, clock() - started)
    return max(1, round(seconds / fastest)) if fastest > 0 else 1


@dataclass(frozen=True)
class Allocation:
    """Python memory allocated by one piece of work: what its result keeps, and the peak on the way."""

    kept: int
    peak: int


def allocated(
    work: Callable[[C], object], setup: Callable[[], C], teardown: Callable[[C], object] | None = None
) -> Callable[[], Allocation]:
    """A sample tracing the allocations of ``work(context)`` with tracemalloc, its result still referenced."""

    def sample() -> Allocation:
        context = setup()
        try:
            gc.collect()
            tracemalloc.start()
            try:
                before, _ = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
                result = work(context)
                now, peak = tracemalloc.get_traced_memory()
                del result
                return Allocation(kept=now - before, peak=peak - before)
            finally:
                tracemalloc.stop()
        finally:
            if teardown is not None:
                teardown(context)

    return sample


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and range of some samples (quartiles by the inclusive method)."""

    median: float
    q1: float
    q3: float
    low: float
    high: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        if not samples:
            raise ValueError("no samples")
        if len(samples) == 1:
            q1 = q3 = samples[0]
        else:
            q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(statistics.median(samples), q1, q3, min(samples), max(samples))


@dataclass(frozen=True)
class Target:
    """What a figure must meet: ``ratio`` (median of ours/baseline) or ``ours`` (median, SI units) at most ``limit``."""

    limit: float
    on: Literal["ratio", "ours"] = "ratio"

    def text(self, unit: str) -> str:
        if self.on == "ratio":
            return f"≤ {self.limit:g}×"
        factor, suffix = UNITS[unit]
        return f"≤ {self.limit * factor:g}{suffix}"


Verdict = Literal["pass", "fail", "info", "not measured"]


@dataclass(frozen=True)
class Row:
    """One figure of the table: both arms' samples (SI units), paired by index, and its target if it has one."""

    key: str
    figure: str
    unit: str
    ours: tuple[float, ...]
    baseline: tuple[float, ...] = ()
    baseline_label: str = ""
    target: Target | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; use one of {sorted(UNITS)}")
        if self.baseline and len(self.baseline) != len(self.ours):
            raise ValueError(f"{self.key}: {len(self.ours)} samples of ours but {len(self.baseline)} of the baseline")
        if self.target is not None and self.target.on == "ratio" and not self.baseline:
            raise ValueError(f"{self.key}: a ratio target needs baseline samples")

    @property
    def measured(self) -> bool:
        return bool(self.ours)

    @property
    def ratios(self) -> tuple[float, ...]:
        """ours / baseline for each pair."""
        return tuple(o / b for o, b in zip(self.ours, self.baseline, strict=True))

    @property
    def ratio(self) -> Spread | None:
        return Spread.of(self.ratios) if self.baseline and self.ours else None

    @property
    def value(self) -> float:
        """The figure the target applies to: the median ratio, or the median of ours for an absolute target."""
        if (self.target is not None and self.target.on == "ours") or not self.baseline:
            return statistics.median(self.ours)
        return statistics.median(self.ratios)

    @property
    def verdict(self) -> Verdict:
        if not self.measured:
            return "not measured"
        if self.target is None:
            return "info"
        return "pass" if self.value <= self.target.limit else "fail"

    @property
    def borderline(self) -> bool:
        """True when the target lies within the interquartile range: another run may well give the other verdict."""
        if self.target is None or not self.measured:
            return False
        spread = self.ratio if self.target.on == "ratio" else Spread.of(self.ours)
        assert spread is not None
        return spread.q1 <= self.target.limit <= spread.q3

    def _shown(self, value: float) -> str:
        factor, suffix = UNITS[self.unit]
        scaled = value * factor
        digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
        return f"{scaled:,.{digits}f}{suffix}"

    def cells(self) -> list[str]:
        """figure | ours | baseline | ratio (median, spread) | target | result."""
        if not self.measured:
            ours = baseline = ratio = "—"
        else:
            ours = self._shown(statistics.median(self.ours))
            if not self.baseline and len(self.ours) > 1:  # an absolute figure: its own spread
                ours = f"{ours} (range {self._shown(min(self.ours))}–{self._shown(max(self.ours))})"
            baseline = self._shown(statistics.median(self.baseline)) if self.baseline else "—"
            if self.baseline_label:
                baseline = f"{baseline} ({self.baseline_label})" if self.baseline else self.baseline_label
            spread = self.ratio
            ratio = (
                f"{spread.median:.2f}× (IQR {spread.q1:.2f}–{spread.q3:.2f}, range {spread.low:.2f}–{spread.high:.2f})"
                if spread is not None
                else "—"
            )
        target = self.target.text(self.unit) if self.target is not None else "—"
        result = self.verdict + (" (borderline)" if self.borderline else "")
        figure = f"{self.figure} [{self.note}]" if self.note else self.figure
        return [figure, ours, baseline, ratio, target, result]

    def to_json(self) -> dict[str, Any]:
        spread = self.ratio
        return {
            "key": self.key,
            "figure": self.figure,
            "note": self.note,
            "unit": self.unit,
            "si_unit": "bytes" if self.unit in ("MB", "kB") else "seconds",
            "ours_median": statistics.median(self.ours) if self.ours else None,
            "baseline_median": statistics.median(self.baseline) if self.baseline else None,
            "baseline": self.baseline_label,
            "ratio": None
            if spread is None
            else {
                "median": spread.median,
                "q1": spread.q1,
                "q3": spread.q3,
                "min": spread.low,
                "max": spread.high,
            },
            "target": None if self.target is None else {"limit": self.target.limit, "on": self.target.on},
            "verdict": self.verdict,
            "borderline": self.borderline,
            "samples": {"ours": list(self.ours), "baseline": list(self.baseline)},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        """The row :meth:`to_json` wrote (what the README's table is regenerated from)."""
        target = data["target"]
        return cls(
            key=data["key"],
            figure=data["figure"],
            unit=data["unit"],
            ours=tuple(data["samples"]["ours"]),
            baseline=tuple(data["samples"]["baseline"]),
            baseline_label=data["baseline"],
            target=None if target is None else Target(target["limit"], target["on"]),
            note=data["note"],
        )


HEADER = ["figure", "ours", "baseline", "ratio (median, spread)", "target", "result"]


@dataclass
class Table:
    """The rows of one ``make bench`` run, in the order they were measured."""

    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        if any(r.key == row.key for r in self.rows):
            raise ValueError(f"figure {row.key!r} measured twice")
        self.rows.append(row)
        return row

    def render(self) -> str:
        """A Markdown table (what the README's Performance section is regenerated from)."""
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |" for row in self.rows]
        return "\n".join(lines)

    def to_json(self, meta: dict[str, Any]) -> dict[str, Any]:
        return {"meta": meta, "figures": [row.to_json() for row in self.rows]}

    def write(self, path: Path, meta: dict[str, Any]) -> None:
        path.write_text(json.dumps(self.to_json(meta), indent=2, allow_nan=False) + "\n")

    @classmethod
    def read(cls, path: Path) -> tuple[Table, dict[str, Any]]:
        """The table and metadata :meth:`write` wrote."""
        data = json.loads(path.read_text())
        return cls([Row.from_json(row) for row in data["figures"]]), data["meta"]


def ideal_rounds_seconds(requests: int, concurrency: int, latency: float) -> float:
    """The least time ``requests`` requests of ``latency`` each take with ``concurrency`` in flight."""
    return math.ceil(requests / concurrency) * latency
