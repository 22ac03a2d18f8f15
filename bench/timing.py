"""Latency measurement shared by the benchmarks: percentiles, interleaved rounds, CPU steal.

On a shared 2-core VM the speed of the box changes from second to second (other guests, the
hypervisor). Measuring one peer for ten seconds and then the other makes their *ratio* follow the
box, not the code: the same build read 3.3x and 11.5x in two runs a minute apart. :func:`rounds`
therefore interleaves the peers: every round measures each of them for a short block, so both see
the same conditions, and the ratio is taken per round and summarised by its median and range.
:func:`steal` reads how much CPU time the hypervisor gave to other guests meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def samples(fn: Callable[[], object], calls: int) -> np.ndarray:
    """Wall-clock nanoseconds of ``calls`` consecutive calls."""
    out = np.empty(calls)
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        fn()
        out[i] = clock() - start
    return out


def percentiles(fn: Callable[[], object], calls: int, warm_up: int = 300) -> tuple[float, float]:
    """(p50, p99) wall-clock microseconds over ``calls`` consecutive calls, after a warm-up."""
    for _ in range(min(warm_up, calls)):
        fn()
    p50, p99 = np.percentile(samples(fn, calls), [50, 99]) / 1000.0
    return float(p50), float(p99)


@dataclass(frozen=True)
class Measured:
    """One peer over all rounds: pooled percentiles and the p50 of each round (microseconds)."""

    p50: float
    p99: float
    round_p50: np.ndarray


def rounds(
    peers: Mapping[str, tuple[Callable[[], object], int]], count: int, warm_up: int = 300
) -> dict[str, Measured]:
    """Measure every peer ``(fn, calls per round)`` in each of ``count`` rounds, in turn."""
    for fn, _ in peers.values():
        for _ in range(warm_up):
            fn()
    pooled: dict[str, list[np.ndarray]] = {name: [] for name in peers}
    for _ in range(count):
        for name, (fn, calls) in peers.items():
            pooled[name].append(samples(fn, calls))
    out = {}
    for name, blocks in pooled.items():
        p50, p99 = np.percentile(np.concatenate(blocks), [50, 99]) / 1000.0
        out[name] = Measured(float(p50), float(p99), np.array([np.median(b) for b in blocks]) / 1000.0)
    return out


def ratio(slow: Measured, fast: Measured) -> tuple[float, float, float]:
    """(median, lowest, highest) over the rounds of ``slow``'s p50 / ``fast``'s p50."""
    per_round = slow.round_p50 / fast.round_p50
    return float(np.median(per_round)), float(per_round.min()), float(per_round.max())


def _cpu_jiffies(stat: Path = Path("/proc/stat")) -> tuple[int, int] | None:
    """(steal, total) jiffies of all CPUs since boot; ``None`` where /proc/stat is unreadable."""
    try:
        fields = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if fields[:1] != ["cpu"] or len(fields) < 9:
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
    # counted in user and nice
    numbers = [int(x) for x in fields[1:9]]
    return numbers[7], sum(numbers)


class Steal:
    """Share of CPU time stolen by the hypervisor between ``start()`` and ``share()``."""

    def __init__(self) -> None:
        self._start = _cpu_jiffies()

    def share(self) -> float | None:
        end = _cpu_jiffies()
        if self._start is None or end is None or end[1] == self._start[1]:
            return None
        return (end[0] - self._start[0]) / (end[1] - self._start[1])


def steal_text(share: float | None) -> str:
    return "CPU steal: not readable here" if share is None else f"CPU steal during the run: {share:.1%}"
