"""A message the decoder refuses, as the integrator wiring an analyzer sees it in the log and in
the device's ``last_error`` (the service's devices panel): what is wrong and where (the decoder's
detail), the byte counted from the start of the connection (as in a capture) as well as from the
message, and what to check in the profile. Real loopback TCP (HL7) and a real pty (ASTM)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from devices.codecs.astm_frame import ENQ, build_frame, split_records
from devices.codecs.gatt_lines import value_line
from devices.endpoint import DeviceEndpoint
from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.quarantine_notice import quarantine_sentence
from devices.session import FakeClock, MonotonicClock
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.transports.ble import open_ble
from devices.transports.link import BleSpec, SerialSpec, TcpListenSpec
from devices.transports.pty import PtyLink, open_pty
from tests.devices.ble.meter import ScriptedMeter, StoredRecord
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import pty_analyzer, send_message
from tests.devices.gateway.test_integrator_errors import HL7, warning_lines

VT, FS_CR = b"\x0b", b"\x1c\r"


def test_an_hl7_message_quarantined_on_a_connection_names_the_stream_byte_the_detail_and_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The second message on the connection has a byte its character set cannot hold: the log
    line and ``last_error`` say so, at the byte a capture of the connection shows and in the field
    the error acknowledgement's ERR segment names (``OBX^1^3``: OBX-3 of the first OBX)."""
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor"), clock=clock, transport=TcpListenSpec(port=0)
    )
    db_path = tmp_path / "clinic.db"
    bad = HL7.replace(b"CTL-8", b"CTL-7").replace(b"SPO2^SPO2", b"SPO2^SP\xd62")
    stream = VT + HL7 + FS_CR + VT + bad + FS_CR

    async def scenario() -> str | None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(stream)
            await writer.drain()
            for _ in range(2):
                await asyncio.wait_for(reader.readuntil(FS_CR), 3)
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            writer.close()
            return gateway.status()[0].last_error

    with caplog.at_level(logging.WARNING):
        last_error = asyncio.run(scenario())
    in_message, in_stream = bad.index(b"\xd6"), stream.rindex(b"\xd6")
    sentence = (
        f"message quarantined at byte {in_stream} of the stream (byte {in_message} of the "
        "message, OBX-3 of OBX 1): undecodable_bytes: byte 0xD6 is not valid ascii (MSH-18 ASCII, "
        "profile encoding ascii); check the profile's encoding against the device's character set"
    )
    assert last_error == sentence
    assert [w for w in warning_lines(caplog) if "quarantined" in w] == [f"device monitor: {sentence}"]
    with sqlite3.connect(db_path) as conn:  # the quarantine row keeps the place after the byte
        ((reason, offset),) = conn.execute("SELECT reason, byte_offset FROM device_quarantine").fetchall()
    assert offset == in_message
    assert reason == (
        f"undecodable_bytes: byte {in_message} (OBX-3 of OBX 1): byte 0xD6 is not valid ascii (MSH-18 "
        "ASCII, profile encoding ascii)"
    )


def test_an_hl7_message_with_lf_between_segments_names_the_segment(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """LF ending the second OBX (the profile takes CR only): the segment it ends is named, with
    its repetition, as the ERR segment names it."""
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("hl7-monitor", "monitor"), clock=clock, transport=TcpListenSpec(port=0)
    )
    db_path = tmp_path / "clinic.db"
    segments = HL7.split(b"\r")
    obx = [i for i, seg in enumerate(segments) if seg.startswith(b"OBX|")]
    assert len(obx) >= 2
    bad = b"\r".join(segments[: obx[1] + 1]) + b"\n" + b"\r".join(segments[obx[1] + 1 :])
    stream = VT + bad + FS_CR

    async def scenario() -> tuple[bytes, str | None]:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address("monitor"))
            writer.write(stream)
            await writer.drain()
            refusal = await asyncio.wait_for(reader.readuntil(FS_CR), 3)
            await wait_until(lambda: count(db_path, "device_quarantine") == 1)
            writer.close()
            return refusal, gateway.status()[0].last_error

    with caplog.at_level(logging.WARNING):
        refusal, last_error = asyncio.run(scenario())
    at = bad.index(b"\n")
    assert b"\rERR|OBX^2^^100&Segment sequence error&HL70357\r" in refusal
    sentence = (
        f"message quarantined at byte {at + 1} of the stream (byte {at} of the message, segment OBX 2): "
        "unparseable_message: LF in HL7 message (segments end with CR; profile switch "
        "lf_segment_separator accepts LF and CR LF)"
    )
    assert last_error == sentence
    assert f"device monitor: {sentence}" in warning_lines(caplog)


def _astm_last_error(
    pty: PtyLink, clock: FakeClock, endpoint: DeviceEndpoint, db_path: Path, *frames: bytes
) -> str | None:
    """The device's ``last_error`` after the analyzer on ``pty`` sent ``frames`` and their message
    was quarantined."""

    async def scenario() -> str | None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await send_message(pty, list(frames))
            await wait_until(lambda: gateway.status()[0].quarantined == 1)
            await pty.close()
            return gateway.status()[0].last_error

    return asyncio.run(scenario())


def test_an_astm_record_with_a_byte_the_encoding_cannot_hold_names_the_record_and_field(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A result's unit with a byte ASCII cannot hold (the profile's encoding set to ASCII): the
    record type, its sequence number (R.2) and the field (R.5, units) are named."""
    profile = simulator_profile("astm-analyzer", "analyzer").model_copy(update={"encoding": "ascii"})
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path, profile)
    records = astm_records(
        sample_from_values("astm-analyzer", "SIM-P7", "SIM-S7", {"glucose_random": 9.0, "hemoglobin": 130.0})
    )
    results = [i for i, r in enumerate(records) if r.startswith(b"R|2|")]
    assert len(results) == 1
    fields = records[results[0]].split(b"|")
    fields[4] = fields[4] + b"\xb5"
    records[results[0]] = b"|".join(fields)
    text = b"\r".join(records) + b"\r"
    frame = build_frame(1, text, True)

    with caplog.at_level(logging.WARNING):
        last_error = _astm_last_error(pty, clock, endpoint, db_path, frame)
    at = text.index(b"\xb5")
    sentence = (
        f"message quarantined at byte {at + 3} of the stream (byte {at} of the message, R.5 of R record 2): "
        "undecodable_bytes: byte 0xB5 is not valid ascii (set the profile's encoding)"
    )
    assert last_error == sentence
    assert f"device analyzer: {sentence}" in warning_lines(caplog)
    with sqlite3.connect(db_path) as conn:
        ((reason, offset),) = conn.execute("SELECT reason, byte_offset FROM device_quarantine").fetchall()
    assert (reason, offset) == (
        f"undecodable_bytes: byte {at} (R.5 of R record 2): byte 0xB5 is not valid ascii (set the profile's "
        "encoding)",
        at,
    )


def test_a_message_of_many_frames_names_the_stream_byte_inside_a_continued_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As a serial analyzer sends it: each record in a new frame, a record longer than the frame
    text cut into ETB frames. The bad byte lies in a continuation frame, after the STX, frame
    number, checksum and CR LF of every frame before it: the sentence names that byte of the
    stream (where a capture of the port shows it), not only the byte of the joined message."""
    profile = simulator_profile("astm-analyzer", "analyzer").model_copy(update={"encoding": "ascii"})
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path, profile)
    records = astm_records(
        sample_from_values("astm-analyzer", "SIM-P8", "SIM-S8", {"glucose_random": 9.0, "hemoglobin": 130.0})
    )
    (second,) = [i for i, r in enumerate(records) if r.startswith(b"R|2|")]
    fields = records[second].split(b"|")
    fields[4] = fields[4] + b"\xb5"
    records[second] = b"|".join(fields)
    texts = split_records(records, frame_text_size=16)
    frames = [build_frame(n + 1, text, final) for n, (text, final) in enumerate(texts)]
    (bad_frame,) = [f for f in frames if b"\xb5" in f]
    assert bad_frame.index(b"\xb5") > 2 and not bad_frame.startswith(b"\x02" + bytes([bad_frame[1]]) + b"R")

    with caplog.at_level(logging.WARNING):
        last_error = _astm_last_error(pty, clock, endpoint, db_path, *frames)
    in_message = b"".join(text for text, _ in texts).index(b"\xb5")
    in_stream = (ENQ + b"".join(frames)).index(b"\xb5")
    sentence = (
        f"message quarantined at byte {in_stream} of the stream (byte {in_message} of the message, R.5 of "
        "R record 2): undecodable_bytes: byte 0xB5 is not valid ascii (set the profile's encoding)"
    )
    assert last_error == sentence
    assert f"device analyzer: {sentence}" in warning_lines(caplog)


def test_an_astm_header_with_a_wrong_delimiter_set_says_to_check_the_delimiters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One frame: the message's bytes follow ENQ, STX and the frame number in the stream."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    records = astm_records(sample_from_values("astm-analyzer", "SIM-P6", "SIM-S6", {"glucose_random": 9.0}))
    assert records[0].startswith(b"H|\\^&|")
    records[0] = b"H|\\^^|" + records[0][6:]
    frame = build_frame(1, b"\r".join(records) + b"\r", True)

    with caplog.at_level(logging.WARNING):
        last_error = _astm_last_error(pty, clock, endpoint, db_path, frame)
    sentence = (
        "message quarantined at byte 3 of the stream (byte 0 of the message): unparseable_message: header "
        'delimiter field "\\\\^^" must be 3 distinct characters (repeat, component, escape); check the '
        "device's delimiter settings"
    )
    assert last_error == sentence
    assert f"device analyzer: {sentence}" in warning_lines(caplog)


def test_quoted_values_of_the_detail_are_elided_and_delimiters_kept() -> None:
    """A decoder's detail may quote the message (a field, the first bytes of a record): the log
    line keeps only short quoted values such as a delimiter set."""
    sentence = quarantine_sentence(
        'unparseable_message: byte 0: message does not start with an H record: "P|1||PAT-4711"', 0, ()
    )
    assert sentence == (
        "message quarantined at byte 0 of the message: unparseable_message: message does not start "
        'with an H record: "..."; check the profile\'s protocol: the device may speak another one'
    )
    placed = quarantine_sentence("undecodable_bytes: byte 96 (R.4 of R record 3): byte 0xB5 is not", 96, ())
    assert placed == (
        "message quarantined at byte 96 of the message, R.4 of R record 3: undecodable_bytes: byte 0xB5 is not"
        "; check the profile's encoding against the device's character set"
    )
    kept = quarantine_sentence(
        'unparseable_message: byte 4: MSH-2 encoding characters "^~" are incomplete', 4, ((0, 10),)
    )
    assert kept == (
        "message quarantined at byte 14 of the stream (byte 4 of the message): unparseable_message: "
        'MSH-2 encoding characters "^~" are incomplete; check the device\'s delimiter settings'
    )


def test_a_part_of_a_message_of_many_frames_without_a_result_names_its_stream_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An R record without a test code becomes no result; the message's other results are stored.
    The warning that names the lost part gives its byte in the stream as well as in the message,
    placed frame by frame (the record is in the message's third frame)."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    records = astm_records(
        sample_from_values("astm-analyzer", "SIM-P9", "SIM-S9", {"glucose_random": 9.0, "hemoglobin": 130.0})
    )
    (second,) = [i for i, r in enumerate(records) if r.startswith(b"R|2|")]
    fields = records[second].split(b"|")
    fields[2] = b""
    records[second] = b"|".join(fields)
    texts = split_records(records, frame_text_size=240)
    frames = [build_frame(n + 1, text, final) for n, (text, final) in enumerate(texts)]

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await send_message(pty, frames)
            await wait_until(lambda: gateway.status()[0].quarantined == 1)
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    in_message = b"".join(text for text, _ in texts).index(records[second])
    in_stream = (ENQ + b"".join(frames)).index(records[second])
    assert in_stream != in_message + 3  # not one run: frame bytes lie before the record
    (warning,) = [w for w in warning_lines(caplog) if "without a result" in w]
    assert warning == (
        f"device analyzer: message 1: 1 part quarantined without a result (no_test_code at byte "
        f"{in_stream} of the stream (byte {in_message} of the message); the details are in device_quarantine); "
        "no_test_code: the test code is not where the profile's [astm] test_code_components looks - check "
        "it against what the device sends (triage devices replay of a capture shows it)"
    )
    assert count(db_path, "device_results") == 1


def test_two_identical_bad_lines_in_one_read_are_each_named_by_their_own_stream_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An oximeter repeats the same line every second; after a pause a read holds several. Each
    unparseable line is named by its own byte in the stream - not all by the last copy of the same
    bytes (what a search of the bytes read so far finds)."""
    pty = open_pty()
    clock = MonotonicClock()
    endpoint = endpoint_from_profile(
        simulator_profile("pulse-oximeter", "oximeter"), clock=clock, transport=SerialSpec(url=pty.slave_path)
    )
    line = b"SPO2=9A HR=70\r\n"

    async def scenario() -> None:
        async with running_gateway([endpoint], tmp_path / "clinic.db", clock=clock) as gateway:
            await pty.write(line * 2)
            await wait_until(lambda: gateway.status()[0].quarantined == 2)
            await pty.close()

    with caplog.at_level(logging.DEBUG, logger="devices.gateway"):
        asyncio.run(scenario())
    places = _places(caplog)
    assert places == [
        "message quarantined at byte 0 of the stream (byte 0 of the message)",
        f"message quarantined at byte {len(line)} of the stream (byte 0 of the message)",
    ]


def test_a_message_quarantined_without_a_byte_is_placed_by_its_first_piece() -> None:
    """A decoder failure names no byte of the message: the sentence says where the message starts
    in the stream - for an ASTM message, where its first frame's text starts (after STX and the
    frame number), not nowhere because its frames are not one run of bytes."""
    pieces = ((0, 3), (240, 253))  # two frames: text at 3, the second frame's text at 253
    assert quarantine_sentence("decoder error: ValueError", None, pieces) == (
        "message quarantined starting at byte 3 of the stream: decoder error: ValueError"
    )
    assert quarantine_sentence("decoder error: ValueError", None, ()) == (
        "message quarantined: decoder error: ValueError"
    )
    assert quarantine_sentence("undecodable_bytes: byte 241: byte 0xB5", 241, pieces).startswith(
        "message quarantined at byte 254 of the stream (byte 241 of the message): "
    )


def _places(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Where each quarantine line says its message broke (the text before the reason): the first
    of a run of messages quarantined for one reason is a warning, the rest DEBUG lines
    (tests/devices/gateway/test_line_device_wrong_baud.py), each placed by its own byte."""
    lines = [r.getMessage() for r in caplog.records if r.name == "devices.gateway"]
    return [w.split(": ")[1] for w in lines if "message quarantined" in w]


def test_two_identical_bad_poct1a_messages_in_one_read_are_each_named_by_their_own_stream_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A meter resends a message it got AE for; both copies arrive in one read (loopback TCP). Each
    is named by the byte where its own XML breaks, as the POCT1-A2 framer cut it from the stream -
    not both by the last copy of the same bytes (what a search of the bytes read so far finds)."""
    profile = load_profile("poct1a-glucose_meter")
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))
    bad = b'<OBS.R01><HDR><HDR.control_id V="6"/></HDR><SVC><PT><PT.patient_id V="P2"></SVC></OBS.R01>'
    stream = bad + b"\r\n" + bad

    async def scenario() -> None:
        async with running_gateway([endpoint], tmp_path / "clinic.db") as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            writer.write(stream)
            await writer.drain()
            for _ in range(2):  # each copy is refused with AE
                await asyncio.wait_for(reader.readuntil(b"</ACK.R01>"), 3)
            await wait_until(lambda: gateway.status()[0].quarantined == 2)
            writer.close()

    with caplog.at_level(logging.DEBUG, logger="devices.gateway"):
        asyncio.run(scenario())
    at = bad.index(b"</SVC>") + 2  # the XML parser's byte: the mismatched tag's name
    second = len(bad) + 2
    assert _places(caplog) == [
        f"message quarantined at byte {at} of the stream (byte {at} of the message)",
        f"message quarantined at byte {second + at} of the stream (byte {at} of the message)",
    ]


def test_two_identical_unreadable_ble_glucose_records_are_each_named_by_their_own_stream_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A meter sends the same cut-short record twice, each announcing a context that never comes:
    the first is given up only when the second arrives, so a search of the bytes read so far found
    the second copy for both. Each is named by its own line in the BLE link's stream."""
    cut = b"\x10\x03\x00\x01"  # flags: a context follows; sequence 3; then the time is cut short
    meter = ScriptedMeter([StoredRecord(3, cut), StoredRecord(3, cut)])
    endpoint = endpoint_from_profile(
        load_profile("ble-glucose_meter"), clock=MonotonicClock(), transport=TcpListenSpec(port=0)
    )

    async def scenario() -> None:
        async with running_gateway([endpoint], tmp_path / "clinic.db") as gateway:
            link = await open_ble(BleSpec(name="Glucose Meter"), make_client=meter.client)
            await asyncio.wait_for(gateway.serve_link(endpoint.device_id, link), 10)
            await link.close()
            assert gateway.status()[0].quarantined == 2

    with caplog.at_level(logging.DEBUG, logger="devices.gateway"):
        asyncio.run(scenario())
    line = value_line("2a18", cut)
    assert [p.split(" (")[0] for p in _places(caplog)] == [
        "message quarantined at byte 0 of the stream",
        f"message quarantined at byte {len(line)} of the stream",
    ]
