"""HL7/MLLP and ASTM over loopback TCP against the running gateway (devices.md section 7 items 18,
19, 20, 22, 28; peer allow-list; QC and non-final results never auto-feed triage)."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

from devices.codecs.astm_frame import ACK, ENQ, EOT, build_frame
from devices.endpoint import Decoded, DeviceEndpoint
from devices.gateway import Gateway, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import TcpSettings
from devices.session import MonotonicClock
from devices.simulated_results import (
    DeviceKind,
    astm_records,
    hl7_message,
    sample_from_values,
    simulator_profile,
)
from devices.simulator import SimulatedDevice
from devices.transports.link import Link, TcpListenSpec
from devices.transports.tcp import TcpLink
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until

VT, FS_CR = b"\x0b", b"\x1c\r"


def _hl7(sample_id: str, qc: bool = False) -> bytes:
    sample = sample_from_values("hl7-monitor", "SIM-P9", sample_id, {"spo2": 88, "heart_rate": 124}, qc=qc)
    return hl7_message(sample, control_id=f"CTL-{sample_id}")


CLOCK = MonotonicClock()


def _endpoint(kind: DeviceKind, allowed: frozenset[str] | None = None) -> DeviceEndpoint:
    """The gateway in ``running_gateway`` runs on the real clock, so the drivers do too."""
    spec = TcpListenSpec(port=0) if allowed is None else TcpListenSpec(port=0, allowed_peers=allowed)
    return endpoint_from_profile(simulator_profile(kind, kind), clock=CLOCK, transport=spec)


async def read_acks(reader: asyncio.StreamReader, n: int) -> list[bytes]:
    buffer = b""
    while buffer.count(FS_CR) < n:
        buffer += await asyncio.wait_for(reader.read(4096), 3)
    return [part.split(VT, 1)[1] for part in buffer.split(FS_CR) if VT in part]


def msa_fields(ack: bytes) -> list[str]:
    segment = next(s for s in ack.split(b"\r") if s.startswith(b"MSA"))
    return segment.decode().split("|")


def test_hl7_partial_and_coalesced_reads_each_get_an_ack_on_the_same_socket(tmp_path: Path) -> None:
    """Items 18 and 19: several messages per connection, split and coalesced; MSA-2 = MSH-10."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []

    async def scenario() -> list[bytes]:
        async with running_gateway([_endpoint("hl7-monitor")], db_path, delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            first, second, third = (VT + _hl7(f"S{n}") + FS_CR for n in (1, 2, 3))
            writer.write(first[:10])
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(first[10:] + second + third[:5])  # rest of one, a whole one, start of the next
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(third[5:])
            await writer.drain()
            acks = await read_acks(reader, 3)
            await wait_until(lambda: len(delivered) == 6)
            writer.close()
            return acks

    acks = asyncio.run(scenario())
    assert [msa_fields(a)[2] for a in acks] == ["CTL-S1", "CTL-S2", "CTL-S3"]
    assert all(msa_fields(a)[1] in ("AA", "CA") for a in acks)
    assert len(result_keys(db_path)) == 6
    assert all(r.auto_feed for r in delivered)


def test_an_inbound_ack_is_never_acknowledged(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"

    async def scenario() -> bytes:
        async with running_gateway([_endpoint("hl7-monitor")], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            ack = b"MSH|^~\\&|A|B|C|D|20260101||ACK^R01|X1|P|2.3.1\rMSA|AA|CTL-1\r"
            writer.write(VT + ack + FS_CR)
            await writer.drain()
            try:
                reply = await asyncio.wait_for(reader.read(100), 0.3)
            except TimeoutError:
                reply = b""
            writer.close()
            return reply

    assert asyncio.run(scenario()) == b""
    assert count(db_path, "device_results") == 0


def test_undecodable_hl7_bytes_are_quarantined_with_the_raw_bytes(tmp_path: Path) -> None:
    """Item 20: bytes that are not valid in the declared charset never crash and are kept."""
    db_path = tmp_path / "clinic.db"
    bad = _hl7("S7").replace(b"SYNTHETIC^PATIENT", b"\xff\xfe\xfd^PATIENT")

    async def scenario() -> None:
        async with running_gateway([_endpoint("hl7-monitor")], db_path) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(b"noise before a frame" + VT + bad + FS_CR)
            await writer.drain()
            await wait_until(lambda: count(db_path, "device_quarantine") >= 2)
            writer.close()

    asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT raw, reason FROM device_quarantine ORDER BY id").fetchall()
    assert rows[0] == (
        b"noise before a frame",
        "bytes outside an MLLP frame, no start byte 0b before them: line noise, or check the protocol"
        " (on a serial port also the baud rate and parity)",
    )
    assert rows[1][0] == bad and "undecodable" in rows[1][1]
    assert count(db_path, "device_results") == 0


def test_qc_results_are_stored_but_never_auto_feed_triage(tmp_path: Path) -> None:
    """Item 22 at the gateway: an MSH-16 = 2 QC message reaches the subscriber held, with the reason."""
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []

    async def scenario() -> None:
        async with running_gateway([_endpoint("hl7-monitor")], db_path, delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(VT + _hl7("QC1", qc=True) + FS_CR)
            await writer.drain()
            await read_acks(reader, 1)
            await wait_until(lambda: len(delivered) == 2)
            writer.close()

    asyncio.run(scenario())
    assert {(r.auto_feed, r.hold_reason, r.stored.is_qc) for r in delivered} == {
        (False, "quality-control result", True)
    }


def test_an_astm_device_that_sends_enq_the_moment_it_connects_loses_nothing(tmp_path: Path) -> None:
    """Item 28 at the gateway: ENQ in the first TCP segment is answered; the message is stored."""
    db_path = tmp_path / "clinic.db"
    sample = sample_from_values("astm-analyzer", "SIM-P2", "SIM-S2", {"glucose_random": 4.1})
    frames = [build_frame(n + 1, r + b"\r", True) for n, r in enumerate(astm_records(sample))]

    async def scenario() -> None:
        async with running_gateway([_endpoint("astm-analyzer")], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("astm-analyzer"))
            writer.write(ENQ)
            await writer.drain()
            assert await asyncio.wait_for(reader.read(1), 3) == ACK
            for frame in frames:
                writer.write(frame)
                await writer.drain()
                assert await asyncio.wait_for(reader.read(1), 3) == ACK
            writer.write(EOT)
            await writer.drain()
            await wait_until(lambda: count(db_path, "device_results") == 1)
            writer.close()

    asyncio.run(scenario())
    assert result_keys(db_path) == [("SIM-S2", "GLU", "final")]


def test_a_connection_from_an_address_not_in_the_profile_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"

    async def scenario() -> tuple[bytes, int]:
        endpoint = _endpoint("hl7-monitor", allowed=frozenset({"192.168.50.7"}))
        async with running_gateway([endpoint], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(VT + _hl7("S1") + FS_CR)
            try:  # closed by the gateway: EOF, or a reset because our bytes were never read
                data = await asyncio.wait_for(reader.read(), 3)
            except ConnectionResetError:
                data = b""
            writer.close()
            return data, gateway.status()[0].refused_peers

    data, refused = asyncio.run(scenario())
    assert data == b"" and refused == 1
    assert count(db_path, "device_messages") == 0


def test_gateway_as_tcp_client_reconnects_with_backoff_after_the_device_drops(tmp_path: Path) -> None:
    """Profile ``[tcp] mode = "connect"``: the device (or its terminal server) listens; the gateway
    connects, and after the device closes the connection it connects again."""
    db_path = tmp_path / "clinic.db"
    batches = [
        [sample_from_values("astm-analyzer", "SIM-P5", f"SIM-C{n}", {"glucose_random": 7.0 + n})]
        for n in (1, 2)
    ]

    async def scenario() -> int:
        connections = 0
        done = asyncio.Event()

        async def device_side(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            if connections > len(batches):
                await reader.read()  # stay connected quietly
                return
            link = TcpLink(reader, writer, "device side")

            async def connect() -> Link:
                return link

            report = await SimulatedDevice("astm-analyzer", connect, batches[connections - 1]).run()
            assert report.unacknowledged == 0  # run() closes the connection afterwards
            if connections == len(batches):
                done.set()

        server = await asyncio.start_server(device_side, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        profile = simulator_profile("astm-analyzer", "analyzer").model_copy(
            update={"tcp": TcpSettings(mode="connect", host="127.0.0.1", port=port)}
        )
        endpoint = dataclasses.replace(endpoint_from_profile(profile, clock=CLOCK), reopen_initial_s=0.05)
        async with running_gateway([endpoint], db_path, clock=CLOCK) as gateway:
            await asyncio.wait_for(done.wait(), 10)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            sessions = gateway.status()[0].sessions
        server.close()
        return sessions

    sessions = asyncio.run(scenario())
    assert sessions >= 2
    assert result_keys(db_path) == [("SIM-C1", "GLU", "final"), ("SIM-C2", "GLU", "final")]


def test_a_failed_commit_is_never_acknowledged_and_the_resent_message_is_stored(tmp_path: Path) -> None:
    """If the database refuses the commit, the device gets no final ACK, the link is dropped, the
    gateway keeps running, and the message the device sends again is stored once."""
    db_path = tmp_path / "clinic.db"
    endpoint = _endpoint("hl7-monitor")
    failures = [1]

    def flaky_decode(raw: bytes, received_at: str) -> Decoded:
        decoded = endpoint.decode(raw, received_at)
        if failures and failures.pop():
            bad = dataclasses.replace(decoded.results[0], device_id="someone-else")  # refused by the store
            return dataclasses.replace(decoded, results=[bad, *decoded.results[1:]])
        return decoded

    flaky = dataclasses.replace(endpoint, decode=flaky_decode)
    message = VT + _hl7("S1") + FS_CR

    async def scenario() -> tuple[bytes, list[bytes]]:
        async with running_gateway([flaky], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(message)
            await writer.drain()
            first = await asyncio.wait_for(reader.read(), 3)  # closed without an ACK
            writer.close()
            assert "session failed: ConflictError" in (gateway.status()[0].last_error or "")
            reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
            writer.write(message)
            await writer.drain()
            acks = await read_acks(reader, 1)
            writer.close()
            return first, acks

    first, acks = asyncio.run(scenario())
    assert first == b""
    assert msa_fields(acks[0])[2] == "CTL-S1"
    assert count(db_path, "device_results") == 2 and count(db_path, "device_messages") == 1


def test_a_failing_subscriber_gets_the_same_results_again_until_it_succeeds(tmp_path: Path) -> None:
    """Results are marked delivered only after the subscriber returns; a failure is retried."""
    db_path = tmp_path / "clinic.db"
    calls: list[int] = []

    def flaky_subscriber(results: list[GatewayResult]) -> None:
        calls.append(len(results))
        if len(calls) < 3:
            raise RuntimeError("triage database is locked")

    async def scenario() -> None:
        gateway = Gateway(
            [_endpoint("hl7-monitor")], db_path, on_results=flaky_subscriber, delivery_retry_s=0.02
        )
        task = asyncio.create_task(gateway.run())
        await gateway.wait_ready()
        reader, writer = await asyncio.open_connection(*gateway.listen_address("hl7-monitor"))
        writer.write(VT + _hl7("S1") + FS_CR)
        await writer.drain()
        await read_acks(reader, 1)
        await wait_until(lambda: len(calls) == 3)
        await wait_until(lambda: count_undelivered(db_path) == 0)
        writer.close()
        gateway.stop()
        await task

    asyncio.run(scenario())
    assert calls == [2, 2, 2]


def count_undelivered(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(
            conn.execute("SELECT count(*) FROM device_results WHERE delivered_at IS NULL").fetchone()[0]
        )
