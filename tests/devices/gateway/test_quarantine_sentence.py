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

from devices.codecs.astm_frame import build_frame
from devices.gateway import quarantine_sentence
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import _send_message, _setup
from tests.devices.gateway.test_integrator_errors import HL7, _warnings

VT, FS_CR = b"\x0b", b"\x1c\r"


def test_an_hl7_message_quarantined_on_a_connection_names_the_stream_byte_the_detail_and_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The second message on the connection has a byte its character set cannot hold: the log
    line and ``last_error`` say so, at the byte a capture of the connection shows."""
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
        "message): undecodable_bytes: byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding "
        "ascii); check the profile's encoding against the device's character set"
    )
    assert last_error == sentence
    assert [w for w in _warnings(caplog) if "quarantined" in w] == [f"device monitor: {sentence}"]
    with sqlite3.connect(db_path) as conn:  # the quarantine row is stored as before
        ((reason, offset),) = conn.execute("SELECT reason, byte_offset FROM device_quarantine").fetchall()
    assert offset == in_message
    assert (
        reason
        == f"undecodable_bytes: byte {in_message}: byte 0xD6 is not valid ascii (MSH-18 ASCII, profile encoding ascii)"
    )


def test_an_astm_header_with_a_wrong_delimiter_set_says_to_check_the_delimiters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One frame: the message's bytes follow ENQ, STX and the frame number in the stream."""
    pty, clock, endpoint, db_path = _setup(tmp_path)
    records = astm_records(sample_from_values("astm-analyzer", "SIM-P6", "SIM-S6", {"glucose_random": 9.0}))
    assert records[0].startswith(b"H|\\^&|")
    records[0] = b"H|\\^^|" + records[0][6:]
    frame = build_frame(1, b"\r".join(records) + b"\r", True)

    async def scenario() -> str | None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await _send_message(pty, [frame])
            await wait_until(lambda: gateway.status()[0].quarantined == 1)
            await pty.close()
            return gateway.status()[0].last_error

    with caplog.at_level(logging.WARNING):
        last_error = asyncio.run(scenario())
    sentence = (
        "message quarantined at byte 3 of the stream (byte 0 of the message): unparseable_message: header "
        'delimiter field "\\\\^^" must be 3 distinct characters (repeat, component, escape); check the '
        "device's delimiter settings"
    )
    assert last_error == sentence
    assert f"device analyzer: {sentence}" in _warnings(caplog)


def test_quoted_values_of_the_detail_are_elided_and_delimiters_kept() -> None:
    """A decoder's detail may quote the message (a field, the first bytes of a record): the log
    line keeps only short quoted values such as a delimiter set."""
    sentence = quarantine_sentence(
        'unparseable_message: byte 0: message does not start with an H record: "P|1||PAT-4711"', 0, None
    )
    assert sentence == (
        "message quarantined at byte 0 of the message: unparseable_message: message does not start "
        'with an H record: "..."; check the profile\'s protocol: the device may speak another one'
    )
    kept = quarantine_sentence(
        'unparseable_message: byte 4: MSH-2 encoding characters "^~" are incomplete', 4, 10
    )
    assert kept == (
        "message quarantined at byte 14 of the stream (byte 4 of the message): unparseable_message: "
        'MSH-2 encoding characters "^~" are incomplete; check the device\'s delimiter settings'
    )
