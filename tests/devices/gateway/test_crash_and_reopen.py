"""Crash safety (devices.md section 7 item 29) and reopen after unplug (item 27)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from devices.codecs.astm_frame import ACK, ENQ, build_frame
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import SimulatedSample, astm_records, generate_samples, simulator_profile
from devices.simulator import SimulatedDevice
from devices.transports.link import Link, LinkClosed, SerialSpec, TcpConnectSpec
from devices.transports.pty import open_pty
from devices.transports.tcp import connect_tcp
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until

ROOT = Path(__file__).resolve().parents[3]
KILLS = 4


def _stored_samples(db_path: Path) -> Counter[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT sample_id FROM device_results WHERE status = 'final'").fetchall()
    return Counter(str(r[0]) for r in rows)


def _start_gateway(db_path: Path, port_file: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.devices.gateway.gateway_process", str(db_path), str(port_file)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        assert process.poll() is None, "gateway process exited at start"
        assert time.monotonic() < deadline, "gateway process did not start"
        time.sleep(0.02)
    return process, int(port_file.read_text())


def test_killing_the_gateway_at_random_moments_loses_no_acknowledged_result(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    port_file = tmp_path / "port"
    rng = random.Random(29)
    samples = generate_samples("astm-analyzer", rng, 150, id_prefix="CRASH")
    results_per_sample = len(samples[0].results)
    pending: list[SimulatedSample] = list(samples)
    kills = 0
    while pending:
        process, port = _start_gateway(db_path, port_file)
        last_round = kills == KILLS

        async def connect(port: int = port) -> Link:
            return await connect_tcp(TcpConnectSpec(host="127.0.0.1", port=port), timeout_s=1)

        device = SimulatedDevice(
            "astm-analyzer", connect, list(pending), rng=random.Random(kills), max_reconnects=0
        )

        async def play(
            device: SimulatedDevice = device,
            process: subprocess.Popen[bytes] = process,
            last_round: bool = last_round,
        ) -> None:
            task = asyncio.create_task(device.run())
            if not last_round:
                await asyncio.sleep(rng.uniform(0.02, 0.2))
                process.send_signal(signal.SIGKILL)  # crash at an arbitrary point of the byte stream
            with contextlib.suppress(LinkClosed, TimeoutError):  # the device sees the gateway die
                await asyncio.wait_for(task, 30)

        asyncio.run(play())
        if not last_round:
            kills += 1
        process.kill()
        process.wait()
        stored = _stored_samples(db_path)
        acknowledged = set(device.report.acknowledged)
        # Every message the device saw acknowledged is on disk, whole.
        missing = [s for s in acknowledged if stored[s] != results_per_sample]
        assert not missing, f"acknowledged but not stored after kill {kills}: {missing}"
        pending = [s for s in pending if s.sample_id not in acknowledged]
    assert kills >= 3, "the gateway must have been killed mid-stream several times"
    stored = _stored_samples(db_path)
    assert stored == Counter({s.sample_id: results_per_sample for s in samples})  # exactly once each


def test_serial_port_reopens_after_unplug_and_replug_under_the_same_name(tmp_path: Path) -> None:
    """A /dev/serial/by-id style link is re-pointed to a new pty, as after re-enumeration."""
    db_path = tmp_path / "clinic.db"
    by_id = tmp_path / "usb-Simulated_Analyzer-if00-port0"
    clock = MonotonicClock()
    samples = generate_samples("astm-analyzer", random.Random(5), 3, id_prefix="REOPEN")

    def plug() -> Link:
        pty = open_pty()
        temporary = tmp_path / "by-id.tmp"
        temporary.unlink(missing_ok=True)
        os.symlink(pty.slave_path, temporary)
        os.replace(temporary, by_id)
        return pty

    first = plug()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=str(by_id))
    )
    endpoint = dataclasses.replace(endpoint, reopen_initial_s=0.05, reopen_max_s=0.2)

    # The device's ENQ may arrive before the gateway has reopened the port (pyserial's open()
    # flushes input, as a closed UART would lose it): the device retries after its reply
    # timer, shortened here from 15 s so the test stays fast.
    base = simulator_profile("astm-analyzer", "analyzer")
    fast = base.model_copy(
        update={"link": base.link.model_copy(update={"reply_timeout": 0.3, "nak_backoff": 0.1})}
    )

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            links = iter([first])
            device = SimulatedDevice("astm-analyzer", lambda: _next(links), samples[:1], profile=fast)
            await asyncio.wait_for(device.run(), 10)  # ends by closing the pty: the cable is pulled
            await wait_until(lambda: not gateway.status()[0].link_up)
            # Replug; the device dies in the middle of a frame: nothing of it may be committed.
            second = plug()
            await wait_until(lambda: gateway.status()[0].link_up)
            await second.write(ENQ)
            assert await asyncio.wait_for(second.read(), 3) == ACK
            frame = build_frame(1, astm_records(samples[1])[0] + b"\r", True)
            await second.write(frame[: len(frame) // 2])
            await asyncio.sleep(0.05)
            await second.close()
            await wait_until(lambda: not gateway.status()[0].link_up)
            # Replug again and send the rest.
            third = plug()
            device = SimulatedDevice("astm-analyzer", lambda: _next(iter([third])), samples[1:], profile=fast)
            await asyncio.wait_for(device.run(), 10)
            await wait_until(lambda: count(db_path, "device_results") == 15)
            assert gateway.status()[0].sessions >= 3

    asyncio.run(scenario())
    assert Counter(s for s, _, _ in result_keys(db_path)) == Counter({s.sample_id: 5 for s in samples})
    assert count(db_path, "device_messages") == 3


async def _next(links: Iterator[Link]) -> Link:
    return next(links)
