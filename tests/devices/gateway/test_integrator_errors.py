"""What a device integrator sees when the wiring is wrong, over a real pty and loopback TCP: a
NAKed frame (bad checksum, a lowercase checksum without its switch), a port unplugged or a
connection closed in the middle of a message, an MLLP frame with the wrong end bytes. Each is one
log line naming the device, the byte and the reason, and is counted; nothing acknowledged is lost,
and a reading completed by the end of the stream is stored."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from devices.codecs.astm_frame import ACK, ENQ, EOT, NAK, build_frame
from devices.endpoint import Decoded
from devices.gateway import Gateway, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import FakeClock, MonotonicClock
from devices.simulated_results import astm_records, hl7_message, sample_from_values, simulator_profile
from devices.transports.link import LinkClosed, LinkError, SerialSpec, TcpListenSpec
from devices.transports.pty import PtyLink, open_pty
from devices.transports.serial_port import open_serial
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until
from triage.cli.devices_result_lines import status_line

PROFILE_DIR = Path(__file__).resolve().parents[3] / "devices" / "profiles"
SAMPLE = sample_from_values("astm-analyzer", "SIM-P7", "SIM-S7", {"glucose_random": 13.2, "hba1c": 9.1})
HL7 = hl7_message(
    sample_from_values("hl7-monitor", "SIM-P8", "SIM-S8", {"spo2": 88, "heart_rate": 124}),
    control_id="CTL-8",
)


def _frames() -> list[bytes]:
    return [build_frame(n + 1, r + b"\r", True) for n, r in enumerate(astm_records(SAMPLE))]


async def _expect(pty: PtyLink, wanted: bytes) -> None:
    data = await asyncio.wait_for(pty.read(), 3)
    assert data == wanted, f"expected {wanted!r}, got {data!r}"


async def _send(pty: PtyLink, frames: list[bytes], *, eot: bytes = EOT) -> None:
    """ENQ, each frame acknowledged, then ``eot`` (b"" for a device that closes instead)."""
    await pty.write(ENQ)
    await _expect(pty, ACK)
    for frame in frames:
        await pty.write(frame)
        await _expect(pty, ACK)
    if eot:
        await pty.write(eot)


def warning_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_nakd_frame_is_one_warning_naming_device_byte_frame_and_reason_and_is_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong checksum (line noise, wrong baud or parity), also one in lowercase hex, was NAKed
    silently: the integrator saw the device give up and nothing else."""
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    db_path = tmp_path / "clinic.db"
    wire_dir = tmp_path / "wire"
    frames = _frames()
    corrupted = bytearray(frames[0])
    corrupted[5] ^= 0x01  # one flipped bit in the text: the checksum no longer matches
    right = int(frames[1][-4:-2], 16)
    wrong = b"%02x" % next(v for v in range(0xA0, 0x100) if v != right)  # lowercase, and wrong
    lower = frames[1][:-4] + wrong + frames[1][-2:]

    async def scenario() -> str:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire_dir) as gateway:
            await pty.write(ENQ)
            await _expect(pty, ACK)
            await pty.write(bytes(corrupted))
            await _expect(pty, NAK)
            await pty.write(frames[0])  # the device resends: accepted
            await _expect(pty, ACK)
            await pty.write(lower)
            await _expect(pty, NAK)
            for frame in frames[1:]:
                await pty.write(frame)
                await _expect(pty, ACK)
            await pty.write(EOT)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return status_line(gateway.status()[0])

    with caplog.at_level(logging.WARNING):
        line = asyncio.run(scenario())
    naks = [w for w in warning_lines(caplog) if "NAK" in w]
    first_at = 1  # after the ENQ
    second_at = 1 + 2 * len(frames[0])
    assert naks[0].startswith(f"device analyzer: byte {first_at}: frame 1: checksum mismatch: frame says ")
    assert naks[1].startswith(
        f"device analyzer: byte {second_at}: frame 2: checksum mismatch: frame says {wrong.decode()}, "
    )
    assert len(naks) == 2 and all("\n" not in w for w in naks)
    assert "2 frames rejected with NAK (resent by the device)" in line
    assert result_keys(db_path) == [("SIM-S7", "GLU", "final"), ("SIM-S7", "HbA1c", "final")]
    (wire,) = (wire_dir / "analyzer").glob("*.wire.log")
    assert f"frame at offset {first_at} rejected (NAK): frame 1: checksum mismatch" in wire.read_text()


def test_a_port_unplugged_mid_message_is_a_discarded_partial_naming_frames_and_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The partial message was dropped without a word and 'partial messages discarded' said 0."""
    pty = open_pty()
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    db_path = tmp_path / "clinic.db"
    frames = _frames()

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await pty.write(ENQ)
            await _expect(pty, ACK)
            await pty.write(frames[0])
            await _expect(pty, ACK)
            await pty.write(frames[1][:7])  # the cable is pulled inside frame 2
            await asyncio.sleep(0.05)
            await pty.close()
            await wait_until(lambda: not gateway.status()[0].link_up)
            return gateway.status()[0].discarded

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 1
    (warning,) = [w for w in warning_lines(caplog) if "discarded" in w]
    assert warning.startswith("device analyzer: partial message discarded, nothing committed: link lost (")
    assert (
        f"after 1 accepted frame of a message and 7 bytes of an unfinished frame at byte {1 + len(frames[0])}"
        in warning
    )
    assert count(db_path, "device_results") == 0 and count(db_path, "device_messages") == 0


def test_an_oximeter_line_ended_by_cr_is_stored_when_the_port_goes_and_a_cut_line_is_not(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A line ended by a lone CR waits for a possible LF; when the adapter is unplugged right
    after it, that reading was lost. A line cut in the middle ('SPO2=09' of 'SPO2=097') is
    never stored as a reading, and is reported."""
    profile = load_profile(PROFILE_DIR / "nonin-oximeter.toml")
    clock = MonotonicClock()
    db_path = tmp_path / "clinic.db"

    async def session(data: bytes) -> None:
        pty = open_pty()
        endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await asyncio.sleep(0.1)  # the gateway has the port open before the device talks
            await pty.write(data)
            await asyncio.sleep(0.1)
            await pty.close()
            await wait_until(lambda: not gateway.status()[0].link_up)

    with caplog.at_level(logging.WARNING):
        asyncio.run(session(b"SPO2=097 HR=072\rSPO2=096 HR=074\r"))
        assert count(db_path, "device_messages") == 2
        asyncio.run(session(b"SPO2=095 HR=071\rSPO2=09"))
    assert count(db_path, "device_messages") == 3
    with sqlite3.connect(db_path) as conn:
        values = sorted(
            r[0] for r in conn.execute("SELECT value FROM device_results WHERE vendor_code = 'SPO2'")
        )
    assert values == ["095", "096", "097"] or values == ["95", "96", "97"]
    (warning,) = [w for w in warning_lines(caplog) if "discarded" in w]
    assert "inside the reading at byte 16 (7 bytes without its end); not stored" in warning


def test_a_code_the_profile_ignores_is_held_as_ignored_not_as_not_mapped(tmp_path: Path) -> None:
    """After step 3 of writing a mapping table (known codes in ignored_codes), listen still said
    '37 held: 37 code not mapped' for a Sysmex XN-550 and each result line 'is not mapped to the
    vocabulary', so the integrator could not tell a finished mapping table from an unfinished one."""
    full = simulator_profile("astm-analyzer", "analyzer")
    profile = full.model_copy(
        update={
            "mapping": {k: v for k, v in full.mapping.items() if k != "HbA1c"},
            "ignored_codes": ("HbA1c",),
        }
    )
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []

    async def scenario() -> str:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            await _send(pty, _frames())
            await wait_until(lambda: len(delivered) == 2)
            await pty.close()
            assert dict(gateway.status()[0].held) == {"ignored": 1}
            return status_line(gateway.status()[0])

    line = asyncio.run(scenario())
    assert "2 new results stored (1 for triage, 1 held: 1 ignored by the profile)" in line
    reasons = {r.stored.vendor_code: r.hold_reason for r in delivered}
    assert reasons == {
        "GLU": None,
        "HbA1c": 'device test code "HbA1c" is ignored by the profile (ignored_codes)',
    }


def test_switches_fired_while_decoding_are_counted_once_even_for_the_last_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Record-level switches (decimal comma, missing R.9 status, a doubled backslash...) fire
    while a message is stored, after its bytes were fed; they were counted only when more bytes
    came, so a device that closed after its message showed 'tolerance switches fired: none' in
    listen (every real trace played through simulate --trace). The decimal-comma warning also
    quoted the value, a result, in the ordinary log."""
    base = simulator_profile("astm-analyzer", "analyzer")
    profile = base.model_copy(update={"tolerance": base.tolerance.model_copy(update={"decimal_comma": True})})
    records = [r.replace(b"|13.2|", b"|13,2|") for r in astm_records(SAMPLE)]
    assert records != astm_records(SAMPLE)
    frames = [build_frame(n + 1, r + b"\r", True) for n, r in enumerate(records)]
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=SerialSpec(url=pty.slave_path))
    db_path = tmp_path / "clinic.db"
    wire_dir = tmp_path / "wire"

    async def scenario() -> dict[str, int]:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire_dir) as gateway:
            await _send(pty, frames, eot=b"")
            await pty.close()  # no EOT: the cable is pulled right after the last ACK
            await wait_until(lambda: not gateway.status()[0].link_up)
            return dict(gateway.status()[0].tolerance_counts)

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == {"decimal_comma": 1}
    assert "decimal_comma" in caplog.text and "13,2" not in caplog.text
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT value FROM device_results WHERE vendor_code = 'GLU'").fetchall() == [
            ("13.2",)
        ]
    (wire,) = (wire_dir / "analyzer").glob("*.wire.log")
    assert wire.read_text().count("tolerance switch fired: decimal_comma") == 1


def test_listen_with_a_profile_that_has_no_mapping_table_does_not_ask_for_one(tmp_path: Path) -> None:
    """With --profile generic-hl7 (or a site profile not yet mapped) listen said 'use --profile
    FILE' - the option the integrator had just given."""
    from tests.devices.gateway.devices_cli import listen_process

    text = _said_on_start(listen_process(tmp_path, 0, "--profile", "generic-hl7"))
    assert "generic-hl7: its profile has no [mapping] table, so every result is held" in text
    assert "use --profile FILE" not in text


def test_bytes_outside_a_session_are_counted_and_the_first_of_a_session_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A device at the wrong baud rate or parity sends bytes in which no ENQ survives: the
    gateway ignored them (as LIS01-A2 says) without a word, so listen showed nothing at all."""
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    db_path = tmp_path / "clinic.db"
    garbled = bytes(b ^ 0x80 for b in _frames()[0])  # 8N1 bytes read with the top bit wrong
    assert b"\x05" not in garbled

    async def scenario() -> str:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await pty.write(garbled[:10])
            await wait_until(lambda: gateway.status()[0].ignored_bytes == 10)
            await pty.write(garbled[10:])
            await wait_until(lambda: gateway.status()[0].ignored_bytes == len(garbled))
            await pty.write(b"\r\n\x06\x04")  # line ends and a late reply are no noise
            await _send(pty, _frames())  # then the device at the right settings: stored as usual
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return status_line(gateway.status()[0])

    with caplog.at_level(logging.WARNING):
        line = asyncio.run(scenario())
    (warning,) = [w for w in warning_lines(caplog) if "outside a session" in w]
    assert warning == (
        "device analyzer: byte 0: 10 bytes outside a session ignored (no ENQ before them): "
        "line noise, or check the baud rate, parity and protocol"
    )
    assert f"{len(garbled)} bytes outside a session ignored; " in line


def test_a_result_in_a_unit_the_profile_does_not_list_says_so_not_that_its_code_is_unmapped(
    tmp_path: Path,
) -> None:
    """Glucose in mg/dL from a device whose profile maps GLU in mmol/L: listen said "device test
    code 'GLU' is not mapped to the vocabulary", sending the integrator to a mapping that is
    there; the unit is what the profile does not list. Then it said so without the units the
    profile lists or the setting to change, which only replay's line named."""
    profile = load_profile(PROFILE_DIR / "mindray-bs380.toml")
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []
    stamp = (datetime.now(profile.zone) - timedelta(minutes=5)).strftime("%Y%m%d%H%M%S").encode()
    message = (
        b"MSH|^~\\&|Mindray|BS-380|||" + stamp + b"||ORU^R01|M1|P|2.3.1||||0||ASCII\r"
        b"PID|1||SIM-P1\rOBR|1||SIM-S1|||" + stamp + b"\r"
        b"OBX|1|NM|1|GLU|140|mg/dL|||||F\rOBX|2|NM|2|CREA|98|umol/L|||||F\r"
    )

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            writer.write(b"\x0b" + message + b"\x1c\r")
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            await wait_until(lambda: len(delivered) == 2)
            writer.close()
            assert dict(gateway.status()[0].held) == {"unexpected_unit": 1}

    asyncio.run(scenario())
    reasons = {r.stored.vendor_code: r.hold_reason for r in delivered}
    assert reasons == {
        # the units it lists, and the setting that would take this one (as replay's line says):
        # mg/dL is a unit of its own, never proposed as a spelling of mmol/L (18 times the values)
        "GLU": 'device unit "mg/dL" of test "GLU" is not one its profile lists in device_units ["mmol/L"]:'
        ' if the values are in "mg/dL" on this device, set [mapping."GLU"] device_units = ["mmol/L",'
        ' "mg/dL"] and remove its unit = "mmol/L" in the profile: each unit listed then goes to triage'
        " as sent, which converts it or refuses it",
        "CREA": None,
    }
    with sqlite3.connect(db_path) as conn:
        (reason,) = conn.execute("SELECT reason FROM device_quarantine").fetchone()
    assert reason.startswith("unexpected_unit: ")


def test_an_astm_message_the_database_refuses_never_gets_its_final_ack(tmp_path: Path) -> None:
    """Item 29 for ASTM, deterministically: the final frame's ACK is written only after the
    commit returns. (The SIGKILL test rarely lands between an early ACK and the commit, and in
    one event loop the commit always finishes before the device reads the ACK, so neither fails
    when the ACK is sent first.)"""
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    endpoint = dataclasses.replace(endpoint, reopen_initial_s=0.05, reopen_max_s=0.05)
    failures = [1]

    def refused_once(raw: bytes, received_at: str) -> Decoded:
        decoded = endpoint.decode(raw, received_at)
        if failures and failures.pop():  # a row of another device: the store refuses the message
            bad = dataclasses.replace(decoded.results[0], device_id="someone-else")
            return dataclasses.replace(decoded, results=[bad, *decoded.results[1:]])
        return decoded

    flaky = dataclasses.replace(endpoint, decode=refused_once)
    db_path = tmp_path / "clinic.db"
    frames = _frames()

    async def scenario() -> bytes:
        async with running_gateway([flaky], db_path, clock=clock) as gateway:
            await _send(pty, frames[:-1], eot=b"")
            await pty.write(frames[-1])
            read = asyncio.ensure_future(pty.read())
            # The refused commit ends the session: waited for, not assumed done within the 1 s the
            # read was given (a loaded machine may take longer); what the gateway wrote before is
            # read after it, so the check that no ACK came never passes for want of waiting.
            await wait_until(lambda: "session failed" in (gateway.status()[0].last_error or ""))
            try:
                reply = await asyncio.wait_for(read, 1)
            except (TimeoutError, LinkClosed):
                reply = b""
            await wait_until(lambda: gateway.status()[0].link_up)  # the port is opened again
            await asyncio.sleep(0.05)
            await _send(pty, frames)  # the device, never acknowledged, sends the message again
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return reply

    assert asyncio.run(scenario()) != ACK
    assert result_keys(db_path) == [("SIM-S7", "GLU", "final"), ("SIM-S7", "HbA1c", "final")]


def test_parts_of_a_message_quarantined_without_a_result_are_one_warning_with_reasons_and_bytes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Results quarantined without becoming one (here: no test code where the Mindray profile
    looks) were only a count in listen's last line; the integrator had no reason or byte."""
    profile = load_profile(PROFILE_DIR / "mindray-bs380.toml")
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    db_path = tmp_path / "clinic.db"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            writer.write(b"\x0b" + HL7 + b"\x1c\r")  # codes in OBX-3, the profile reads OBX-4
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 3)
            writer.close()
            await wait_until(lambda: gateway.status()[0].quarantined == 2)

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    (warning,) = [w for w in warning_lines(caplog) if "without a result" in w]
    at = [HL7.index(b"OBX|1"), HL7.index(b"OBX|2")]
    assert warning == (  # the stream starts with the MLLP start byte
        f"device mindray-bs380: message 1: 2 parts quarantined without a result (no_test_code at byte "
        f"{at[0] + 1} of the stream (byte {at[0]} of the message), no_test_code at byte {at[1] + 1} of the "
        f"stream (byte {at[1]} of the message); the details are in device_quarantine); no_test_code: the "
        "test code is not where the profile's [hl7] code_from looks - check it against what the device "
        "sends (triage devices replay of a capture shows it)"
    )
    assert "SIM-" not in warning


def test_two_devices_or_two_gateways_on_one_serial_port_are_refused_with_the_reason(tmp_path: Path) -> None:
    """Two profiles naming one port (or a second gateway, a terminal program on it) each read
    part of the bytes: both sides of every message broken, nothing said."""
    pty = open_pty()
    clock = MonotonicClock()
    by_id = tmp_path / "usb-Analyzer-if00-port0"
    by_id.symlink_to(pty.slave_path)  # the same port under its stable name
    first = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer-a"),
        clock=clock,
        transport=SerialSpec(url=pty.slave_path),
    )
    second = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer-b"), clock=clock, transport=SerialSpec(url=str(by_id))
    )
    with pytest.raises(LinkError) as refused:
        Gateway([first, second], tmp_path / "clinic.db")
    assert str(refused.value) == (
        f"devices analyzer-a and analyzer-b both use serial port {by_id}; give each device its own port"
    )
    held = open_serial(SerialSpec(url=pty.slave_path))
    try:
        with pytest.raises(LinkError) as busy:
            open_serial(SerialSpec(url=str(by_id)))
        assert str(busy.value).startswith(f"cannot open serial port {by_id}: ")
        assert str(busy.value).endswith(
            "in use: another program holds it (another gateway, or a terminal program); stop it, or "
            "give this device another port"
        )
    finally:
        asyncio.run(held.close())


def test_simulate_does_not_call_an_oximeters_lines_acknowledged(tmp_path: Path) -> None:
    """A line device gets no acknowledgement, yet simulate said '5/5 messages acknowledged' even
    when the other end was an HL7 listener that quarantined every line as junk."""
    import socket
    import subprocess
    import sys
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def drain() -> None:  # a listener that reads and answers nothing
        connection, _ = server.accept()
        with connection:
            while chunk := connection.recv(4096):
                received.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    port = server.getsockname()[1]
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("triage")),
            *("devices", "simulate", "--kind", "pulse-oximeter", "--count", "2"),
            *("--tcp", f"127.0.0.1:{port}"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    reader.join(5)
    server.close()
    assert run.returncode == 0, run.stderr
    assert "pulse-oximeter: 2/2 lines written (a line device gets no acknowledgement" in run.stdout
    assert "acknowledged:" not in run.stderr and "[2/2] written: " in run.stderr
    assert received.count(b"SPO2=") == 2


def test_a_poct1a_connection_closed_inside_a_message_is_a_discarded_partial(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    profile = load_profile(PROFILE_DIR / "poct1a-glucose_meter.toml")
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(profile, clock=clock, transport=TcpListenSpec(port=0))
    db_path = tmp_path / "clinic.db"
    start = b'<?xml version="1.0" encoding="UTF-8"?>\n<OBS.R01><HDR><HDR.control_id V="7"/>'

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            writer.write(start)
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.close()
            await wait_until(lambda: gateway.status()[0].discarded == 1)
            return count(db_path, "device_messages")

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 0
    (warning,) = [w for w in warning_lines(caplog) if "discarded" in w]
    assert f"inside the POCT1-A2 message at byte 0 ({len(start)} bytes, no end tag yet)" in warning


def test_listen_without_a_profile_names_the_bundled_one_for_the_line_grammar_it_reads(tmp_path: Path) -> None:
    """`listen --protocol line` reads the Nonin oximeter's grammar; 'use --profile FILE' sent the
    integrator to write a profile where a bundled one (its mapping table too) has the name."""
    from tests.devices.gateway.devices_cli import listen_process

    said = _said_on_start(listen_process(tmp_path, 0, "--protocol", "line"))
    assert (
        "device-1: no mapping table, so every result is shown as held; use --profile FILE, or the name "
        "of a bundled profile (e.g. nonin-oximeter for a Nonin oximeter)"
    ) in said


def _said_on_start(listen: subprocess.Popen[bytes]) -> str:
    """What a `listen` process wrote on stderr up to "press Ctrl-C"; then it is stopped."""
    assert listen.stderr is not None
    err = b""
    try:
        while b"press Ctrl-C" not in err:  # readline gives b"" at once if listen stopped
            line = listen.stderr.readline()
            assert line, f"listen stopped: {err.decode()}"
            err += line
    finally:
        listen.send_signal(signal.SIGINT)
        listen.communicate(timeout=20)
    return err.decode()
