"""Latency from the final frame's ACK to the result being available to triage, over a pseudo-terminal.

A simulated ASTM analyzer writes each message frame by frame into a real pty; the gateway reads
the slave end with pyserial, commits to a real SQLite file (WAL, synchronous=FULL) and only then
ACKs the final frame. We time, per message:

* ``ack->subscriber``: the device reads the final ACK -> the gateway's ``on_results`` callback runs
  (what the triage service consumes). The device runs in its own thread; negative values mean
  the result was available before the device had read its ACK;
* ``ack->row visible``: the device reads the final ACK -> its results are read back from the
  database on another connection (they are committed before the ACK, so this is query time);
* ``last frame->ack``: the device writes the final frame -> reads its ACK (includes the durable
  commit, i.e. the price of persist-before-ACK).

The DB row is visible before the ACK by construction (tested in tests/devices/gateway). The
target in the issue is p99 <= 20 ms for ack->subscriber; the ratio to it is printed.
Run: ``python -m bench devices_latency`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from devices.codecs.astm_frame import ACK, ENQ, EOT, build_frame
from devices.gateway import Gateway, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty

MESSAGES = 300
TARGET_P99_MS = 20.0
COMMAND = "python -m bench devices_latency"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _device(master_fd: int, db_path: Path, arrived: dict[str, float], out: dict[str, list[float]]) -> None:
    """The instrument, in its own thread with blocking I/O on the pty master."""

    def expect_ack() -> None:
        data = os.read(master_fd, 16)
        if data != ACK:
            raise RuntimeError(f"expected ACK from the gateway, got {data!r}")

    reader = sqlite3.connect(db_path)
    for index in range(MESSAGES):
        sample_id = f"BENCH-S{index:05d}"
        sample = sample_from_values(
            "astm-analyzer", "BENCH-P1", sample_id, {"glucose_random": 5.0 + index % 50 / 10, "hba1c": 6.1}
        )
        frames = [build_frame(n + 1, record + b"\r", True) for n, record in enumerate(astm_records(sample))]
        os.write(master_fd, ENQ)
        expect_ack()
        for frame in frames[:-1]:
            os.write(master_fd, frame)
            expect_ack()
        sent = time.perf_counter()
        os.write(master_fd, frames[-1])
        expect_ack()
        acked = time.perf_counter()
        rows = reader.execute(
            "SELECT count(*) FROM device_results WHERE sample_id = ?", [sample_id]
        ).fetchone()[0]
        visible = time.perf_counter()
        if rows != 2:
            raise RuntimeError(f"{sample_id}: ACKed but {rows} of 2 results visible")
        os.write(master_fd, EOT)
        deadline = time.monotonic() + 5
        while sample_id not in arrived:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{sample_id}: never reached the subscriber")
            time.sleep(0.0002)
        out["last frame->ack"].append((acked - sent) * 1000)
        out["ack->row visible"].append((visible - acked) * 1000)
        out["ack->subscriber"].append((arrived[sample_id] - acked) * 1000)
    reader.close()


async def _measure(db_path: Path) -> dict[str, list[float]]:
    clock = MonotonicClock()
    pty = open_pty()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "bench-analyzer"),
        clock=clock,
        transport=SerialSpec(url=pty.slave_path),
    )
    arrived: dict[str, float] = {}

    def on_results(results: list[GatewayResult]) -> None:
        now = time.perf_counter()
        for result in results:
            arrived.setdefault(result.stored.sample_id, now)

    gateway = Gateway([endpoint], db_path, on_results=on_results, clock=clock)
    task = asyncio.create_task(gateway.run())
    await gateway.wait_ready()
    await asyncio.sleep(0.2)  # the serial port is opened
    out: dict[str, list[float]] = {"last frame->ack": [], "ack->row visible": [], "ack->subscriber": []}
    master_fd = pty.master_fd
    os.set_blocking(master_fd, True)
    await asyncio.to_thread(_device, master_fd, db_path, arrived, out)
    gateway.stop()
    await task
    await pty.close()
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        figures = asyncio.run(_measure(Path(folder) / "clinic.db"))
        elapsed = time.perf_counter() - started
    print(f"command: {COMMAND}")
    print(
        f"{MESSAGES} ASTM messages (H, P, O, 2 x R, L) over a pty, SQLite WAL + synchronous=FULL, {elapsed:.1f} s"
    )
    print("  (negative: the result reached the subscriber before the device had read its ACK)")
    for name, values in figures.items():
        p50, p99 = _percentile(values, 0.50), _percentile(values, 0.99)
        print(
            f"  {name:16s} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   max {max(values):7.3f} ms   "
            f"mean {statistics.fmean(values):7.3f} ms"
        )
    ack_to_subscriber = figures["ack->subscriber"]
    p99 = _percentile(ack_to_subscriber, 0.99)
    verdict = "meets" if p99 <= TARGET_P99_MS else "MISSES"
    print(
        f"  ack->subscriber p99 / target {TARGET_P99_MS:.0f} ms = {p99 / TARGET_P99_MS:.3f}  ({verdict} the target)"
    )
    total = [a + b for a, b in zip(ack_to_subscriber, figures["last frame->ack"], strict=True)]
    print(f"  last frame->subscriber p99 {_percentile(total, 0.99):.3f} ms (includes the durable commit)")


if __name__ == "__main__":
    main()
