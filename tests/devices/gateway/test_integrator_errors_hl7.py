"""What a device integrator sees when an HL7 device is wired wrong, over loopback TCP: a
connection closed inside an MLLP frame, a frame with the wrong end bytes or without the start byte,
tolerance switches counted once per message, and a message that does not parse (kept, answered
AE). Each is one log line or quarantine reason that
names the byte and the setting to look at. (ASTM, line and POCT1-A2 devices:
test_integrator_errors.py.)"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from devices.endpoint import DeviceEndpoint
from devices.gateway import Gateway
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.simulated_results import hl7_message, sample_from_values, simulator_profile
from devices.transports.link import SerialSpec, TcpListenSpec
from devices.transports.pty import PtyLink, open_pty
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_integrator_errors import HL7, warning_lines


def _hl7_endpoint() -> tuple[MonotonicClock, DeviceEndpoint]:
    clock = MonotonicClock()
    return clock, endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor"), clock=clock, transport=TcpListenSpec(port=0)
    )


def test_a_connection_closed_inside_an_mllp_frame_is_a_discarded_partial(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(b"\x0b" + HL7 + b"\x1c\r" + b"\x0b" + HL7[:40])
            await writer.drain()
            await wait_until(lambda: count(db_path, "device_results") == 2)
            writer.close()
            await wait_until(lambda: gateway.status()[0].discarded == 1)
            return gateway.status()[0].discarded

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 1
    (warning,) = [w for w in warning_lines(caplog) if "discarded" in w]
    at = len(HL7) + 3
    assert f"inside the MLLP frame at byte {at} (41 bytes, no end bytes 1c0d yet)" in warning


def test_an_mllp_frame_with_the_wrong_end_bytes_names_them_and_the_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A device ending frames with FS alone: each frame is cut off by the next start byte. The
    quarantine and the log said 'bytes outside an MLLP frame', which sends the integrator looking
    for noise rather than at [hl7] end_bytes."""
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(b"\x0b" + HL7 + b"\x1c" + b"\x0b" + HL7 + b"\x1c\r")
            await writer.drain()
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            writer.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        ((reason, offset),) = conn.execute("SELECT reason, byte_offset FROM device_quarantine").fetchall()
    assert offset == 0
    assert reason.startswith(
        "MLLP frame without its end bytes 1c0d before the next start byte (it ends with 0d1c;"
    )
    assert "[hl7] end_bytes" in reason
    (warning,) = [w for w in warning_lines(caplog) if "quarantined" in w]
    assert warning.startswith(f"device monitor: {len(HL7) + 2} stray bytes at byte 0 quarantined (MLLP frame")


def test_an_hl7_switch_is_counted_once_per_message(tmp_path: Path) -> None:
    """The HL7 driver reads each message's MSH for its ACK and the decoder reads it again: both
    counted, so listen showed every lf_segment_separator twice."""
    base = simulator_profile("hl7-monitor", "monitor")
    profile = base.model_copy(
        update={"tolerance": base.tolerance.model_copy(update={"lf_segment_separator": True})}
    )
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    db_path = tmp_path / "clinic.db"
    lf = HL7.replace(b"\r", b"\n")

    async def scenario() -> dict[str, int]:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(b"\x0b" + lf + b"\x1c\r")
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            writer.write(b"\x0b" + HL7 + b"\x1c\r")  # more bytes after it: any late count would show
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            writer.close()
            await wait_until(lambda: not gateway.status()[0].link_up)
            return dict(gateway.status()[0].tolerance_counts)

    assert asyncio.run(scenario()) == {"lf_segment_separator": 1}


def test_an_hl7_message_without_the_mllp_start_byte_is_named_as_one(tmp_path: Path) -> None:
    """A device sending bare HL7 over TCP (or another start byte): its messages were quarantined
    as 'bytes outside an MLLP frame', which reads like line noise."""
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(HL7 + b"\x1c\r")
            await writer.drain()
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            writer.close()

    asyncio.run(scenario())
    with sqlite3.connect(db_path) as conn:
        ((reason, offset),) = conn.execute("SELECT reason, byte_offset FROM device_quarantine").fetchall()
    assert (reason, offset) == (
        "an HL7 message without the MLLP start byte 0b before it (the profile's [hl7] start_byte must "
        "be what the device sends); not acknowledged",
        0,
    )


def test_a_message_that_does_not_parse_is_stored_refused_with_ae_and_the_next_one_is_processed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A message the HL7 parser refuses (here a byte its MSH-18 ASCII cannot hold) got no answer:
    the analyzer sent it again for ever, or took the LIS for down. It is now kept in the
    quarantine, answered AE naming the segment and field, and the next message is processed."""
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"
    bad = HL7.replace(b"CTL-8", b"CTL-7").replace(b"SPO2^SPO2", b"SPO2^SP\xd62")

    async def scenario() -> tuple[bytes, bytes]:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(b"\x0b" + bad + b"\x1c\r")
            await writer.drain()
            refusal = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            writer.write(b"\x0b" + HL7 + b"\x1c\r")
            await writer.drain()
            accepted = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            writer.close()
            return refusal, accepted

    with caplog.at_level(logging.WARNING):
        refusal, accepted = asyncio.run(scenario())
    msh, msa, err = refusal.strip(b"\x0b\x1c\r").split(b"\r")
    assert (
        msh.startswith(b"MSH|^~\\&|TRIAGE|CLINIC|SIMULATOR|SYNTHETIC|") and b"|ACK^R01^ACK|ACKCTL-7|" in msh
    )
    at = bad.index(b"\xd6")
    assert (
        msa
        == b"MSA|AE|CTL-7|byte %d: byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding ascii)" % at
    )
    assert err == b"ERR|OBX^1^3^102&Data type error&HL70357"
    assert b"\rMSA|AA|CTL-8\r" in accepted
    with sqlite3.connect(db_path) as conn:
        ((raw, reason, offset),) = conn.execute(
            "SELECT raw, reason, byte_offset FROM device_quarantine"
        ).fetchall()
    assert (raw, offset) == (bad, at) and reason.startswith("undecodable_bytes")
    (warning,) = warning_lines(caplog)
    assert (
        warning
        == f"device monitor: message quarantined at byte {at + 1} of the stream (byte {at} of the message, "
        "OBX-3 of OBX 1): undecodable_bytes: byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding ascii); "
        "check the profile's encoding against the device's character set"
    )


def _asking(msh15: bytes, n: int, *, bad: bool = False) -> bytes:
    """An HL7 message of its own sample (SIM-Pn) whose MSH-15 is ``msh15``; ``bad``: with a byte
    its MSH-18 ASCII cannot hold, so it does not parse. The time in it is fixed, so the same
    arguments give the same bytes: the test compares what it stored with a message built again."""
    sample = sample_from_values(
        "hl7-monitor",
        f"SIM-P{n}",
        f"SIM-S{n}",
        {"spo2": 90 + n, "heart_rate": 70},
        observed_at=datetime(2026, 3, 14, 9, 26, 53),
    )
    raw = hl7_message(sample, control_id=f"CTL-{n}").replace(b"|2.3.1||||0|", b"|2.3.1|||%s|0|" % msh15)
    return raw.replace(b"SPO2^SPO2", b"SPO2^SP\xd62") if bad else raw


def test_msh15_never_error_or_success_only_is_how_the_gateway_answers_and_all_are_stored(
    tmp_path: Path,
) -> None:
    """Enhanced mode sent the commit ACK whatever MSH-15 asked: a CA to a sender that asked for
    none (NE) or only for errors (ER), a CE to one that asked only for successes (SU). Each is
    still stored before anything is answered; the one answered is the CE to ER's bad message and
    the AA of the original-mode message after them."""
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"
    silent = [_asking(b"NE", 1), _asking(b"ER", 2), _asking(b"SU", 3, bad=True), _asking(b"NE", 4, bad=True)]

    async def scenario() -> tuple[bytes, bytes]:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            for raw in [*silent, _asking(b"ER", 5, bad=True), HL7]:
                writer.write(b"\x0b" + raw + b"\x1c\r")
            await writer.drain()
            first = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            second = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: count(db_path, "device_results") == 6)
            writer.close()
            return first, second

    first, second = asyncio.run(scenario())
    assert b"\rMSA|CE|CTL-5|byte " in first
    assert b"\rMSA|AA|CTL-8\r" in second
    with sqlite3.connect(db_path) as conn:
        quarantined = [r for (r,) in conn.execute("SELECT raw FROM device_quarantine ORDER BY raw")]
    assert quarantined == [silent[2], silent[3], _asking(b"ER", 5, bad=True)]


def test_a_v27_message_that_does_not_parse_is_refused_with_the_text_in_err_and_msa3_empty(
    tmp_path: Path,
) -> None:
    """MSA-3 is withdrawn from HL7 v2.7 (deprecated since v2.4); the gateway filled it whatever
    MSH-12 said. A v2.7 device now gets MSA-1 and MSA-2 only, and the text in ERR-7 (whole) and
    ERR-8 (the user message), with the location in ERR-2 and the condition in ERR-3."""
    clock, endpoint = _hl7_endpoint()
    db_path = tmp_path / "clinic.db"
    bad = HL7.replace(b"CTL-8", b"CTL-7").replace(b"|2.3.1|", b"|2.7|").replace(b"SPO2^SPO2", b"SPO2^SP\xd62")
    assert bad.count(b"|2.7|") == 1

    async def scenario() -> bytes:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(b"\x0b" + bad + b"\x1c\r")
            await writer.drain()
            refusal = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            writer.close()
            return refusal

    msh, msa, err = asyncio.run(scenario()).strip(b"\x0b\x1c\r").split(b"\r")
    assert b"|ACK^R01^ACK|ACKCTL-7|P|2.7" in msh
    assert msa == b"MSA|AE|CTL-7"
    text = b"byte %d: byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding ascii)" % bad.index(
        b"\xd6"
    )
    assert err == b"ERR||OBX^1^3|102^Data type error^HL70357|E|||" + text + b"|" + text


def test_msh16_set_with_msh15_empty_is_enhanced_mode_answered_as_al(tmp_path: Path) -> None:
    """The standard has original mode only when MSH-15 and MSH-16 are both empty, and gives an
    empty MSH-15 beside a valued MSH-16 no default (docs/device-gateway.md): the gateway stores the
    message and answers the commit ACK, CA, as for AL - not the original mode's AA, and not nothing
    (the sender would send it again for ever). Over a real socket, with a profile that does not
    read MSH-16 as Mindray's result kind."""
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        load_profile("generic-hl7"), clock=clock, transport=TcpListenSpec(port=0)
    )
    db_path = tmp_path / "clinic.db"
    raw = HL7.replace(b"|2.3.1||||0|", b"|2.3.1||||AL|")
    assert raw != HL7

    async def scenario() -> bytes:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("generic-hl7"))
            writer.write(b"\x0b" + raw + b"\x1c\r")
            await writer.drain()
            ack = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: count(db_path, "device_messages") == 1)
            writer.close()
            return ack

    assert b"\rMSA|CA|CTL-8\r" in asyncio.run(scenario())


def _monitor_on_a_pty() -> tuple[PtyLink, DeviceEndpoint, bytes, bytes]:
    """A monitor on a real pseudo-terminal, one framed message of it (SYNTHETIC patient) and the
    same bytes with their top bit wrong, as 8N1 read at another baud rate or parity garbles them."""
    pty = open_pty()
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor"),
        clock=MonotonicClock(),
        transport=SerialSpec(url=pty.slave_path),
    )
    message = (
        b"\x0b"
        + hl7_message(sample_from_values("hl7-monitor", "SIM-P1", "SIM-S1", {"spo2": 97}), "C1")
        + b"\x1c\r"
    )
    return pty, endpoint, message, bytes(b ^ 0x80 for b in message)


def test_an_hl7_device_at_the_wrong_baud_rate_is_told_to_check_the_port_settings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An HL7 monitor on a serial port at another baud rate or parity: no MLLP start byte survives,
    and each read was one more 'stray bytes ... quarantined (bytes outside an MLLP frame)' with no
    hint, where an ASTM device's noise says to check the baud rate, parity and protocol. (Over TCP
    the same words: the protocol first - tests/devices/gateway/test_conformance_tcp.py.) A real
    pseudo-terminal; the message bytes with their top bit wrong (8N1 read as another setting)."""
    pty, endpoint, _message, garbled = _monitor_on_a_pty()
    assert b"\x0b" not in garbled
    db_path = tmp_path / "clinic.db"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path):
            await pty.write(garbled)
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    (warning,) = [w for w in warning_lines(caplog) if "stray bytes" in w]
    assert warning.endswith(
        "quarantined (bytes outside an MLLP frame, no start byte 0b before them: line noise, or check the"
        " protocol (on a serial port also the baud rate and parity))"
    ), warning


def _quarantined_sizes(db_path: Path) -> list[int]:
    with sqlite3.connect(db_path) as conn:
        return [n for (n,) in conn.execute("SELECT length(raw) FROM device_quarantine ORDER BY id")]


async def _write_each_read(gateway: Gateway, pty: PtyLink, chunks: list[bytes], db_path: Path) -> None:
    """Write ``chunks`` to the pty, each quarantined (read by the gateway) before the next."""
    await asyncio.wait_for(gateway.wait_open("monitor"), 5)
    sent = 0
    for chunk in chunks:
        await pty.write(chunk)
        sent += len(chunk)
        await wait_until(lambda: sum(_quarantined_sizes(db_path)) == sent)  # noqa: B023 - awaited at once


def test_an_hl7_device_at_the_wrong_baud_rate_is_one_quarantine_row_and_one_warning_per_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Read after read of a monitor at the wrong baud rate was one more device_quarantine row, one
    more count and one more warning each, where an ASTM device's noise is one warning a session:
    now a run of stray bytes with no message between is one row holding every byte, counted and
    logged once; a message ends the run, and noise after it is a new one. A real pseudo-terminal,
    the bytes garbled as 8N1 read at another setting, written in three separate reads."""
    pty, endpoint, message, garbled = _monitor_on_a_pty()
    chunks = [garbled[:50], garbled[50:120], garbled[120:]]
    db_path = tmp_path / "clinic.db"

    def rows() -> list[tuple[bytes, int, bytes]]:
        with sqlite3.connect(db_path) as conn:
            return conn.execute(
                "SELECT q.raw, q.byte_offset, m.raw FROM device_quarantine q"
                " JOIN device_messages m ON m.id = q.message_id ORDER BY q.id"
            ).fetchall()

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path) as gateway:
            await _write_each_read(gateway, pty, chunks, db_path)
            await pty.write(message)
            await wait_until(lambda: count(db_path, "device_results") == 1)
            await pty.write(garbled[:30])
            await wait_until(lambda: count(db_path, "device_quarantine") == 2)
            await pty.close()
            return gateway.status()[0].quarantined

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 2
    (first_raw, first_offset, first_message), (second_raw, second_offset, _) = rows()
    assert (first_raw, first_offset) == (garbled, 0)
    assert first_message == garbled  # the message row holds the run whole too
    assert (second_raw, second_offset) == (garbled[:30], len(garbled) + len(message))
    warnings = [w for w in warning_lines(caplog) if "stray bytes" in w]
    assert [w.split(" quarantined")[0] for w in warnings] == [
        "device monitor: 50 stray bytes at byte 0",
        f"device monitor: 30 stray bytes at byte {len(garbled) + len(message)}",
    ]


def test_a_long_run_of_stray_bytes_goes_on_in_a_new_row_without_a_new_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each read rewrites the run's row, so a monitor left at the wrong baud rate for hours would
    grow one row without end: past devices.gateway.STRAY_ROW_MAX bytes (64 KiB; 128 here) the run
    goes on in a new row, counted, and still one warning. A real pseudo-terminal."""
    from devices import gateway as gateway_module

    monkeypatch.setattr(gateway_module, "STRAY_ROW_MAX", 128)
    pty, endpoint, _message, garbled = _monitor_on_a_pty()
    chunks = [garbled[:50], garbled[50:120], garbled[120:200]]
    db_path = tmp_path / "clinic.db"

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path) as gateway:
            await _write_each_read(gateway, pty, chunks, db_path)
            await pty.close()
            return gateway.status()[0].quarantined

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 2
    assert _quarantined_sizes(db_path) == [120, 80]
    assert len([w for w in warning_lines(caplog) if "stray bytes" in w]) == 1
