"""Runs of stray bytes in the junk store (``devices.gateway.Gateway._store_junk``): one row per
run, and a run is bytes that follow each other in the session's stream. Two runs with the same
reason that a good frame the gateway stores nothing of (an HL7 ACK from the device) separated were
joined into one row at the first run's byte, so the integrator could not find where the second
was. A real pseudo-terminal, an HL7 monitor's bytes garbled as 8N1 read at another setting
(SYNTHETIC patient), as in test_integrator_errors_hl7.py."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.link_drivers import endpoint_from_profile
from devices.profile import load_profile
from devices.session import MonotonicClock
from devices.transports.link import TcpListenSpec
from devices.transports.pty import PtyLink
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_integrator_errors import warning_lines
from tests.devices.gateway.test_integrator_errors_hl7 import _monitor_on_a_pty, _quarantined_sizes

#: An acknowledgement a device sends back: a good MLLP frame, never stored nor answered.
ACK_FRAME = b"\x0bMSH|^~\\&|MONITOR|WARD|TRIAGE|CLINIC|20260101||ACK^R01|A1|P|2.3.1\rMSA|AA|C1\r\x1c\r"


def _rows(db_path: Path) -> list[tuple[bytes, int, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT q.raw, q.byte_offset, m.received_at FROM device_quarantine q"
            " JOIN device_messages m ON m.id = q.message_id ORDER BY q.id"
        ).fetchall()


async def _write(pty: PtyLink, writes: list[bytes], stray: list[int], db_path: Path) -> None:
    """Write each of ``writes``, waiting until the stray bytes quarantined add up to ``stray``'s."""
    for chunk, total in zip(writes, stray, strict=True):
        await pty.write(chunk)
        await wait_until(lambda: sum(_quarantined_sizes(db_path)) == total)  # noqa: B023 - awaited at once


def _run(writes: Callable[[bytes, bytes], list[bytes]], stray: list[int], db_path: Path) -> tuple[int, bytes]:
    """The ``writes`` made of a monitor's garbled bytes (the first 50, the next 40) to its pty:
    the device's quarantined count, and those garbled bytes."""
    pty, endpoint, _message, garbled = _monitor_on_a_pty()

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path) as gateway:
            await asyncio.wait_for(gateway.wait_open("monitor"), 5)
            await _write(pty, writes(garbled[:50], garbled[50:90]), stray, db_path)
            await pty.close()
            return gateway.status()[0].quarantined

    return asyncio.run(scenario()), garbled


def test_two_runs_with_a_good_frame_between_are_two_rows_each_at_its_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "clinic.db"
    with caplog.at_level(logging.WARNING):
        quarantined, garbled = _run(lambda first, second: [first, ACK_FRAME + second], [50, 90], db_path)
    assert quarantined == 2
    first, second = garbled[:50], garbled[50:90]
    (first_raw, first_at, first_time), (second_raw, second_at, second_time) = _rows(db_path)
    assert (first_raw, first_at) == (first, 0)
    assert (second_raw, second_at) == (second, len(first) + len(ACK_FRAME))
    assert first_time <= second_time
    warnings = [w.split(" quarantined")[0] for w in warning_lines(caplog) if "stray bytes" in w]
    assert warnings == [
        "device monitor: 50 stray bytes at byte 0",
        f"device monitor: 40 stray bytes at byte {len(first) + len(ACK_FRAME)}",
    ]


def test_a_line_end_read_alone_inside_a_run_stays_in_its_row(tmp_path: Path) -> None:
    """A CR LF alone between frames is not worth reporting, but inside a run of stray bytes it is
    part of the run: it was dropped, so the run's row lacked it - and, runs now being bytes that
    follow each other, the run would have been cut in two."""
    db_path = tmp_path / "clinic.db"
    quarantined, garbled = _run(lambda first, second: [first, b"\r\n", second], [50, 52, 92], db_path)
    assert quarantined == 1
    first, second = garbled[:50], garbled[50:90]
    assert [(raw, at) for raw, at, _ in _rows(db_path)] == [(first + b"\r\n" + second, 0)]


def test_a_poct1a_run_goes_on_through_a_line_end_right_after_its_first_read(tmp_path: Path) -> None:
    """The POCT1-A2 framer skipped whitespace wherever it stood, so a CR LF at the start of a read
    right after stray bytes was dropped and the stray bytes after it were another run at another
    byte: one run, two rows, as MLLP's were. A meter dock's loopback TCP connection (SYNTHETIC
    bytes), the run's first read quarantined before the rest is written."""
    db_path = tmp_path / "clinic.db"
    first, rest = b"\x93\xa7 line noise", b"\r\n\xfe\xfe more noise"
    profile = load_profile("poct1a-glucose_meter")
    endpoint = endpoint_from_profile(profile, clock=MonotonicClock(), transport=TcpListenSpec(port=0))

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path) as gateway:
            _reader, writer = await asyncio.open_connection(*gateway.listen_address(profile.device_id))
            for piece, last in ((first, first), (rest, b"more noise")):
                writer.write(piece)
                await writer.drain()
                await wait_until(lambda: any(raw.endswith(last) for raw, _, _ in _rows(db_path)))  # noqa: B023
            writer.close()
            return gateway.status()[0].quarantined

    assert asyncio.run(scenario()) == 1
    assert [(raw, at) for raw, at, _ in _rows(db_path)] == [(first + rest, 0)]
