"""Fault-injection runs: 1,000 sessions in-process (fake clock), plus sessions over real TCP and ptys.

Faults: random chunking, 0.1 % byte corruption (ASTM, where checksums guard the data), dropped
replies (lost ACKs), disconnects, and (in-process) clock jumps of 1-40 s that fire the LIS01
timers in the middle of messages. Pass criteria: every generated result stored exactly once and
final, every message acknowledged to the device, nothing lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from pathlib import Path

import pytest

from devices.link_drivers import endpoint_from_profile
from devices.profile import DeviceProfile
from devices.session import FakeClock, MonotonicClock
from devices.simulated_results import DeviceKind, SimulatedSample, generate_samples, simulator_profile
from devices.simulator import FaultPlan, SimulatedDevice
from devices.transports.link import Link, SerialSpec, TcpConnectSpec, TcpListenSpec
from devices.transports.memory import memory_pipe
from devices.transports.pty import open_pty
from devices.transports.tcp import connect_tcp
from tests.devices.gateway.harness import ProgressLink, advance_when_idle, result_keys, running_gateway

SESSIONS = 1000
SAMPLES_PER_SESSION = 1


def _expected(samples: list[SimulatedSample]) -> Counter[tuple[str, str, str]]:
    return Counter((s.sample_id, r.vendor_code, "final") for s in samples for r in s.results)


def _assert_exactly_once(db_path: Path, samples: list[SimulatedSample]) -> None:
    stored = Counter(result_keys(db_path))
    expected = _expected(samples)
    lost = expected - stored
    doubled = {k: n for k, n in stored.items() if n > 1}
    unexpected = stored - expected
    assert not lost, f"{sum(lost.values())} results lost, e.g. {list(lost)[:3]}"
    assert not doubled, f"results stored twice: {list(doubled)[:3]}"
    assert not unexpected, f"results that were never sent (or not final): {list(unexpected)[:3]}"


def test_one_thousand_faulty_sessions_lose_and_double_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    db_path = tmp_path / "clinic.db"
    kinds: list[DeviceKind] = ["astm-analyzer", "hl7-monitor"]
    all_samples: list[SimulatedSample] = []
    totals: Counter[str] = Counter()

    async def scenario() -> None:
        clock = FakeClock()
        progress = [0]
        endpoints = [
            endpoint_from_profile(simulator_profile(kind, kind), clock=clock, transport=TcpListenSpec(port=0))
            for kind in kinds
        ]
        async with running_gateway(endpoints, db_path, clock=clock) as gateway:
            stop = asyncio.Event()
            ticker = asyncio.create_task(
                advance_when_idle(clock, progress, stop, jump_rate=0.002, rng=random.Random(99))
            )
            sessions: list[asyncio.Task[None]] = []

            async def one_session(index: int) -> None:
                # 3 of 4 sessions ASTM (checksummed frames: corruption is injected); HL7/MLLP has no
                # checksum, so its sessions get chunking, lost ACKs and disconnects but no corruption.
                kind: DeviceKind = "astm-analyzer" if index % 4 else "hl7-monitor"
                samples = generate_samples(kind, rng, SAMPLES_PER_SESSION, id_prefix=f"F{index:04d}")
                all_samples.extend(samples)
                faults = FaultPlan(
                    # 1-byte pieces in 1 of 50 sessions (costly here; the pty tests do every byte too)
                    max_chunk=1 if index % 50 == 0 else rng.choice([2, 3, 16, 64, 0]),
                    corruption_rate=0.001 if kind == "astm-analyzer" else 0.0,
                    drop_ack_rate=0.01,
                    disconnect_rate=0.01,
                )

                async def connect() -> Link:
                    device_end, gateway_end = memory_pipe(f"session {index}")
                    sessions.append(
                        asyncio.create_task(gateway.serve_link(kind, ProgressLink(gateway_end, progress)))
                    )
                    return ProgressLink(device_end, progress)

                device = SimulatedDevice(
                    kind, connect, samples, rng=random.Random(index), faults=faults, clock=clock
                )
                report = await device.run()
                assert report.unacknowledged == 0
                totals["aborted"] += report.aborted
                totals["reconnects"] += report.reconnects
                totals["frames"] += report.frames_sent

            for start in range(0, SESSIONS, 25):
                await asyncio.gather(*(one_session(i) for i in range(start, start + 25)))
            stop.set()
            totals["clock jumps"] = await ticker
            await asyncio.sleep(0)
            for task in sessions:
                task.cancel()
            await asyncio.gather(*sessions, return_exceptions=True)
            status = {s.device_id: s for s in gateway.status()}
            totals["duplicates"] = sum(s.duplicates for s in status.values())
            totals["discarded"] = sum(s.discarded for s in status.values())

    asyncio.run(scenario())
    _assert_exactly_once(db_path, all_samples)
    # The faults really happened: lost ACKs forced resends, disconnects forced reconnects.
    assert totals["reconnects"] > 20 and totals["aborted"] + totals["duplicates"] > 20, totals
    assert totals["clock jumps"] > 5, totals
    print(
        f"\n1000 sessions: {len(all_samples)} samples, {sum(_expected(all_samples).values())} results, {dict(totals)}"
    )


def _fast_timers(kind: DeviceKind, device_id: str) -> DeviceProfile:
    profile = simulator_profile(kind, device_id)
    link = profile.link.model_copy(update={"reply_timeout": 0.3, "nak_backoff": 0.05, "receive_timeout": 2.0})
    return profile.model_copy(update={"link": link})


def test_faulty_sessions_over_loopback_tcp(tmp_path: Path) -> None:
    """Real sockets, real clock, LIS01 timers shortened in the profile so lost ACKs recover quickly."""
    db_path = tmp_path / "clinic.db"
    rng = random.Random(7)
    samples: list[SimulatedSample] = []

    async def scenario() -> None:
        clock = MonotonicClock()
        profile = _fast_timers("astm-analyzer", "analyzer")
        endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            host, port = gateway.listen_address("analyzer")
            for index in range(20):
                batch = generate_samples("astm-analyzer", rng, 2, id_prefix=f"T{index:02d}")
                samples.extend(batch)

                async def connect() -> Link:
                    return await connect_tcp(TcpConnectSpec(host=host, port=port))

                faults = FaultPlan(
                    max_chunk=rng.choice([1, 7, 0]),
                    corruption_rate=0.001,
                    drop_ack_rate=0.01,
                    disconnect_rate=0.02,
                )
                device = SimulatedDevice(
                    "astm-analyzer",
                    connect,
                    batch,
                    rng=random.Random(index),
                    faults=faults,
                    profile=profile,
                )
                report = await asyncio.wait_for(device.run(), 30)
                assert report.unacknowledged == 0

    asyncio.run(scenario())
    _assert_exactly_once(db_path, samples)


def test_faulty_sessions_over_a_pty(tmp_path: Path) -> None:
    """Real pseudo-terminal: chunking, corruption and lost ACKs (a pty cannot 'disconnect' and come back
    under the same name; unplugging is tested in test_reopen)."""
    db_path = tmp_path / "clinic.db"
    rng = random.Random(11)
    samples = generate_samples("astm-analyzer", rng, 10, id_prefix="PTY")

    async def scenario() -> None:
        clock = MonotonicClock()
        profile = _fast_timers("astm-analyzer", "analyzer")
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway([endpoint], db_path, clock=clock):
            opened = [False]

            async def connect() -> Link:
                assert not opened[0], "the pty device was disconnected"
                opened[0] = True
                return pty

            faults = FaultPlan(max_chunk=5, corruption_rate=0.002, drop_ack_rate=0.02)
            device = SimulatedDevice(
                "astm-analyzer", connect, samples, rng=random.Random(3), faults=faults, profile=profile
            )
            report = await asyncio.wait_for(device.run(), 30)
            assert report.unacknowledged == 0

    asyncio.run(scenario())
    _assert_exactly_once(db_path, samples)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("astm-analyzer", "no reply to ENQ within 0.3 s"), ("hl7-monitor", "no ACK of message")],
)
def test_a_device_with_nobody_listening_says_why_each_try_failed(kind: DeviceKind, expected: str) -> None:
    """Nobody on the other end of the pty: a real instrument retries for ever, and so does the
    simulator - but every failed try is reported (``on_aborted``), with the profile's own timer."""
    reasons: list[str] = []

    async def scenario() -> None:
        pty = open_pty()

        async def connect() -> Link:
            return pty

        device = SimulatedDevice(
            kind,
            connect,
            generate_samples(kind, random.Random(1), 1),
            profile=_fast_timers(kind, "nobody-listens"),
            on_aborted=reasons.append,
        )
        run = asyncio.ensure_future(device.run())
        while len(reasons) < 2:
            assert not run.done()
            await asyncio.sleep(0.05)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await pty.close()
        assert device.report.aborted >= 2 and device.report.unacknowledged == 1

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert expected in reasons[0], reasons
