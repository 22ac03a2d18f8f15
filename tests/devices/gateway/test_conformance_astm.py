"""ASTM over a real pseudo-terminal against the running gateway (devices.md section 7 items 1, 3, 6,
17, 29, 30). The test plays the instrument byte by byte through the pty master; timers run on a
fake clock."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from devices.codecs.astm_frame import ACK, ENQ, EOT, NAK, build_frame
from devices.endpoint import DeviceEndpoint
from devices.gateway import DeviceStatus, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.profile import DeviceProfile
from devices.session import FakeClock
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.transports.link import SerialSpec
from devices.transports.pty import PtyLink, open_pty
from tests.devices.gateway.harness import WAIT_S, count, result_keys, running_gateway, wait_until

SAMPLE = sample_from_values("astm-analyzer", "SIM-P1", "SIM-S1", {"glucose_random": 13.2, "hba1c": 9.1})


def sample_frames() -> list[bytes]:
    records = astm_records(SAMPLE)
    return [build_frame(n + 1, record + b"\r", True) for n, record in enumerate(records)]


async def expect_bytes(pty: PtyLink, wanted: bytes, timeout_s: float = WAIT_S) -> None:
    data = await asyncio.wait_for(pty.read(), timeout_s)
    assert data == wanted, f"expected {wanted!r}, got {data!r}"


async def _start_message(pty: PtyLink, frames: list[bytes]) -> None:
    """ENQ, then each of ``frames`` acknowledged."""
    await pty.write(ENQ)
    await expect_bytes(pty, ACK)
    for frame in frames:
        await pty.write(frame)
        await expect_bytes(pty, ACK)


async def send_message(pty: PtyLink, frames: list[bytes]) -> None:
    """One whole session: ENQ, every frame acknowledged, EOT."""
    await _start_message(pty, frames)
    await pty.write(EOT)


def pty_analyzer(
    tmp_path: Path, profile: DeviceProfile | None = None
) -> tuple[PtyLink, FakeClock, DeviceEndpoint, Path]:
    pty = open_pty()
    clock = FakeClock()
    endpoint = endpoint_from_profile(
        profile or simulator_profile("astm-analyzer", "analyzer"),
        clock=clock,
        transport=SerialSpec(url=pty.slave_path),
    )
    return pty, clock, endpoint, tmp_path / "clinic.db"


def test_final_ack_is_sent_only_after_the_message_is_committed(tmp_path: Path) -> None:
    """Item 29: at the instant the device reads the final ACK, another connection sees the results."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()
    seen_at_final_ack: list[int] = []

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock):
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            for index, frame in enumerate(frames):
                await pty.write(frame)
                await expect_bytes(pty, ACK)
                if index == len(frames) - 1:
                    with sqlite3.connect(db_path) as other:
                        seen_at_final_ack.append(
                            other.execute("SELECT count(*) FROM device_results").fetchone()[0]
                        )
                else:
                    assert count(db_path, "device_results") == 0  # nothing before the message is complete
            await pty.write(EOT)
            await pty.close()

    asyncio.run(scenario())
    assert seen_at_final_ack == [2]


@pytest.mark.parametrize("style", ["bytes", "coalesced"])
def test_any_chunking_gives_the_same_stored_results(tmp_path: Path, style: str) -> None:
    """Item 1 over a real pty: one byte per write, and ENQ + first frame in one write."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock):
            if style == "coalesced":
                await pty.write(ENQ + frames[0])
                reply = b""
                while len(reply) < 2:
                    reply += await asyncio.wait_for(pty.read(), 3)
                assert reply == ACK + ACK
                rest = frames[1:]
            else:
                await pty.write(ENQ)
                await expect_bytes(pty, ACK)
                rest = frames
            for frame in rest:
                if style == "bytes":
                    for byte in frame:
                        await pty.write(bytes([byte]))
                else:
                    await pty.write(frame)
                await expect_bytes(pty, ACK)
            await pty.write(EOT)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()

    asyncio.run(scenario())
    assert result_keys(db_path) == [("SIM-S1", "GLU", "final"), ("SIM-S1", "HbA1c", "final")]


def test_a_resent_final_frame_after_a_lost_ack_is_acked_and_not_stored_twice(tmp_path: Path) -> None:
    """Items 3 and 17: same FN again (our ACK was lost) is ACKed, and the result is not doubled."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            for frame in frames:
                await pty.write(frame)
                await expect_bytes(pty, ACK)
            await pty.write(frames[-1])  # the device never saw our ACK and sends the frame again
            await expect_bytes(pty, ACK)
            await pty.write(EOT)
            # ... and later the whole message again in a new session (abort and full resend).
            await send_message(pty, frames)
            await wait_until(lambda: gateway.status()[0].duplicates == 2)
            await pty.close()

    asyncio.run(scenario())
    assert result_keys(db_path) == [("SIM-S1", "GLU", "final"), ("SIM-S1", "HbA1c", "final")]
    assert count(db_path, "device_messages") == 2  # both copies kept as evidence


def test_thirty_seconds_of_silence_discards_the_partial_message_and_commits_nothing(tmp_path: Path) -> None:
    """Item 6 with a fake clock: after 30 s without a frame the partial message is dropped."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await _start_message(pty, frames[:3])
            clock.advance(29.0)
            await asyncio.sleep(0.05)
            assert gateway.status()[0].discarded == 0
            clock.advance(1.5)
            await wait_until(lambda: gateway.status()[0].discarded == 1)
            assert count(db_path, "device_messages") == 0 and count(db_path, "device_results") == 0
            # The link is neutral again: a complete message afterwards is stored normally.
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()

    asyncio.run(scenario())


def _discarded_warning(at: int, frames: int) -> str:
    return (
        f"device analyzer: partial message discarded, nothing committed: ENQ at byte {at} inside a "
        f"session, then 1 s of silence after {frames} accepted frames of a message (the device "
        "restarted, or noise in a pause); answered NAK, the device still owns the message and sends "
        "it again in a new session"
    )


def test_an_enq_inside_a_session_is_a_restarted_device_answered_nak_then_its_next_enq_opens_a_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A device that restarts inside a message (power cycle, its own timeout) sends ENQ again. It
    was ignored: the device waited 15 s for an answer, gave up, and the host kept its part of the
    message. After a moment of silence the part is dropped with one warning naming the device and
    the ENQ answered NAK (busy); the device's ENQ 10 s later opens a new session and the whole
    message is stored once."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> int:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await _start_message(pty, frames[:2])
            await pty.write(ENQ)  # the device starts over
            await asyncio.sleep(0.05)
            clock.advance(1.0)
            await expect_bytes(pty, NAK)
            clock.advance(10.0)  # LIS01-A2 6.2: ENQ again after a NAK
            await send_message(pty, frames)  # numbered from 1 again
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return gateway.status()[0].discarded

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 1
    assert count(db_path, "device_messages") == 1
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning == _discarded_warning(1 + len(frames[0]) + len(frames[1]), 2)


def test_noise_enq_in_a_pause_before_the_last_frame_is_never_answered_ack(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An instrument may pause between frames (the receiver waits 30 s). A noise ENQ in a pause of
    over 1 s was answered ACK, as if the device had restarted, and the part of its message dropped:
    a device that reads that ACK as the reply to its next frame - here the frame with the L record -
    takes the message for delivered and deletes it, and it was never stored. The answer is NAK,
    which such a device can only take for "send the frame again"; the gateway, out of the session,
    answers nothing more, the device terminates and sends the whole message again, stored once."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> tuple[int, int]:
        async with running_gateway([endpoint], db_path, clock=clock) as gateway:
            await _start_message(pty, frames[:-1])
            await pty.write(ENQ)  # noise on the line while the device prepares its last record
            await asyncio.sleep(0.05)
            clock.advance(1.5)
            await expect_bytes(pty, NAK)  # never ACK: no frame of this message was stored
            await pty.write(frames[-1])  # the device, unaware, sends its last frame (number 6)
            with pytest.raises(TimeoutError):  # out of the session: no reply to it
                await asyncio.wait_for(pty.read(), 0.3)
            stored_before_resend = count(db_path, "device_messages")
            clock.advance(15.0)  # no reply for 15 s: the device terminates ...
            await pty.write(EOT)
            clock.advance(10.0)  # ... and sends the whole message again
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()
            return stored_before_resend, gateway.status()[0].discarded

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == (0, 1)
    assert count(db_path, "device_messages") == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[0] == _discarded_warning(1 + sum(len(f) for f in frames[:-1]), len(frames) - 1)


def test_a_lowercase_checksum_is_counted_and_written_to_the_session_log_as_an_accepted_quirk(
    tmp_path: Path,
) -> None:
    """Item 30: a lowercase checksum, accepted with no profile switch (reference item 2: read
    case-insensitively; it was NAKed six times and the message lost), shows in status and wire log."""
    profile = simulator_profile("astm-analyzer", "analyzer")
    assert not profile.tolerance.lowercase_checksum
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path, profile)
    wire_dir = tmp_path / "wire"
    frames = sample_frames()
    lower = frames[0][:-4] + frames[0][-4:-2].lower() + frames[0][-2:]
    assert lower != frames[0], "the test frame must have a letter in its checksum"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire_dir) as gateway:
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            await pty.write(lower)
            await expect_bytes(pty, ACK)
            for frame in frames[1:]:
                await pty.write(frame)
                await expect_bytes(pty, ACK)
            await pty.write(EOT)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            assert gateway.status()[0].tolerance_counts == {"lowercase_checksum": 1}
            await pty.close()

    asyncio.run(scenario())
    (log_file,) = (wire_dir / "analyzer").glob("*.wire.log")
    assert log_file.stat().st_mode & 0o777 == 0o600  # patient data: owner only
    text = log_file.read_text()
    # said as the quirk it is, not as a switch: there is none in the profile to look for
    assert (
        " -- accepted: ASTM checksum in lowercase hex (read by default, no switch needed;"
        " counted as lowercase_checksum)\n" in text
    ), text
    assert "tolerance switch" not in text, text
    assert " RX 0001  05  |<ENQ>|" in text and " TX 0001  06  |<ACK>|" in text


def test_ordinary_logs_carry_no_patient_or_sample_identifiers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The wire log (opt-in) has identifiers; the ordinary log never does."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock):
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    assert "message 1 stored: 2 new results" in caplog.text
    for identifier in ("SIM-P1", "SIM-S1", "SYNTHETIC", "13.2"):
        assert identifier not in caplog.text


def test_an_unmapped_result_is_counted_once_as_a_held_new_result_not_also_quarantined(
    tmp_path: Path,
) -> None:
    """An unmapped code is stored as a held result (and noted in device_quarantine for review);
    the status counts it once: a new, held result - not also quarantined. Resent, it is a duplicate."""
    from triage.cli.devices_result_lines import status_line

    full = simulator_profile("astm-analyzer", "analyzer")
    profile = full.model_copy(update={"mapping": {k: v for k, v in full.mapping.items() if k != "HbA1c"}})
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path, profile)
    frames = sample_frames()
    delivered: list[GatewayResult] = []

    async def scenario() -> DeviceStatus:
        async with running_gateway([endpoint], db_path, clock=clock, delivered=delivered) as gateway:
            await send_message(pty, frames)
            await wait_until(lambda: gateway.status()[0].messages == 1)
            assert _counts(gateway.status()[0]) == (2, {"unmapped": 1}, 0, 0)
            await send_message(pty, frames)  # the whole message again: both results are duplicates
            await wait_until(lambda: gateway.status()[0].messages == 2)
            await pty.close()
            return gateway.status()[0]

    status = asyncio.run(scenario())
    assert _counts(status) == (2, {"unmapped": 1}, 2, 0)
    assert count(db_path, "device_quarantine") == 2  # the unmapped code is still kept for review, per copy
    assert sorted((r.stored.vendor_code, r.auto_feed) for r in delivered) == [("GLU", True), ("HbA1c", False)]
    line = status_line(status)
    assert "2 messages; 2 new results stored (1 for triage, 1 held: 1 code not mapped); 2 duplicate" in line
    assert "0 quarantined without a result" in line


def _counts(status: DeviceStatus) -> tuple[int, dict[str, int], int, int]:
    """(new results, held by kind, duplicates, quarantined without a result)."""
    return status.results, dict(status.held), status.duplicates, status.quarantined
