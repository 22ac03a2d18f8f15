"""A device cut off in the middle of a frame, over a real pty: what the integrator reads.

A power cycle mid-frame (the device's next byte is ENQ), and a device that stops mid-frame until
the receiver's 30 s timer runs out (fake clock). Each is one warning naming the device, the frame
and the byte; the leftover bytes of the cut frame are never taken for line noise afterwards; the
message is stored once when the device sends it again.

The fake clock moves only once the gateway has taken the bytes sent before it (:func:`_taken`: the
session's wire log, written as the bytes reach the driver): a fixed 50 ms pause stood for that, and
on a loaded machine the clock could run out before the cut frame's bytes were read - the frame's
timer then started after the jump, and never ran out.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from devices.codecs.astm_frame import ACK, ENQ, EOT, NAK
from tests.devices.gateway.harness import count, result_keys, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import (
    expect_bytes,
    pty_analyzer,
    sample_frames,
    send_message,
)
from triage.cli import main


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _taken(wire: Path) -> int:
    """How many bytes the gateway has taken from the device (the RX lines of its wire logs: a line
    is written as the bytes are handed to the link driver, before it reads the clock)."""
    lines = (line.split() for log in wire.rglob("*.wire.log") for line in log.read_text().splitlines())
    return sum(int(words[2]) for words in lines if len(words) > 2 and words[1] == "RX")


def test_a_device_power_cycled_mid_frame_is_named_with_the_frame_number_and_the_enq(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The NAK warning said 'frame: frame interrupted before ETX/ETB; answered NAK, the device
    resends it': no frame number though the device had sent it, and nothing about the ENQ that
    cut the frame - which is what a device restarting mid-frame sends."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()
    wire = tmp_path / "wire"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire) as gateway:
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            await pty.write(frames[0])
            await expect_bytes(pty, ACK)
            await pty.write(frames[1][:9])  # the power goes inside frame 2
            await pty.write(ENQ)  # the device is back and starts over
            await expect_bytes(pty, NAK)  # the cut frame
            await wait_until(lambda: _taken(wire) == 1 + len(frames[0]) + 9 + 1)
            clock.advance(1.0)  # the restart rule: ENQ then silence, answered NAK (busy)
            await expect_bytes(pty, NAK)
            await wait_until(lambda: gateway.status()[0].discarded == 1)
            clock.advance(10.0)  # the device waits 10 s after a NAK to its ENQ
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    cut_at = 1 + len(frames[0])
    assert (
        f"device analyzer: byte {cut_at}: frame interrupted before ETX/ETB (frame number 2, 9 bytes) by "
        "ENQ (the device restarted mid-frame, or line noise); answered NAK, the device resends it"
    ) in _warnings(caplog)
    assert result_keys(db_path) == [("SIM-S1", "GLU", "final"), ("SIM-S1", "HbA1c", "final")]


def test_a_frame_cut_short_until_the_receiver_timeout_is_named_and_not_taken_for_noise_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After 30 s of silence inside a frame, the discard warning said only 'receiver timeout: no
    frame or EOT within 30 s' (no frame, no byte) - and nothing at all when the cut frame was the
    first of its message; the cut frame's bytes then stayed behind and the device's next ENQ made
    them 'N bytes outside a session ignored: line noise, or check the baud rate', sending the
    integrator to the wrong setting."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()
    wire = tmp_path / "wire"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire) as gateway:
            status = gateway.status
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            await pty.write(frames[0])
            await expect_bytes(pty, ACK)
            await pty.write(frames[1][:9])
            await wait_until(lambda: _taken(wire) == 1 + len(frames[0]) + 9)
            clock.advance(30.5)
            await wait_until(lambda: status()[0].discarded == 1)
            # the first frame of a message cut short: reported too
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            await pty.write(frames[0][:12])
            await wait_until(lambda: _taken(wire) == 1 + len(frames[0]) + 9 + 1 + 12)
            clock.advance(30.5)
            await wait_until(lambda: status()[0].discarded == 2)
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 2)
            assert status()[0].ignored_bytes == 0
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    discarded = [w for w in _warnings(caplog) if "discarded" in w]
    first_cut = 1 + len(frames[0])
    second_cut = first_cut + 9 + 1
    assert discarded == [
        "device analyzer: partial message discarded, nothing committed: receiver timeout: no frame or "
        f"EOT within 30 s after 1 accepted frame of a message and 9 bytes of an unfinished frame at "
        f"byte {first_cut}; the device still owns the message",
        "device analyzer: partial message discarded, nothing committed: receiver timeout: no frame or "
        f"EOT within 30 s after 0 accepted frames of a message and 12 bytes of an unfinished frame at "
        f"byte {second_cut}; the device still owns the message",
    ]
    assert not [w for w in _warnings(caplog) if "outside a session" in w]
    assert result_keys(db_path) == [("SIM-S1", "GLU", "final"), ("SIM-S1", "HbA1c", "final")]


def test_a_frame_without_cr_lf_names_its_trailer_apart_from_the_eot_after_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A device that ends its frames with CR alone (the Afinion does) waits for an ACK the strict
    gateway never sends - it waits for the LF - until the device gives up with EOT. The NAK then
    said 'frame trailer "\\r\\u0004" is not CR LF', as if the EOT belonged to the trailer; a
    replayed capture whose frames end in LF said '"\\n\\u0002"' (the next frame's STX)."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frame = sample_frames()[0][:-1]  # CR, no LF
    wire = tmp_path / "wire"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire) as gateway:
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            await pty.write(frame)
            await wait_until(lambda: _taken(wire) == 1 + len(frame))  # no reply: it waits for the LF
            await pty.write(EOT)  # the device's 15 s are up: it terminates
            await expect_bytes(pty, NAK)
            await wait_until(lambda: gateway.status()[0].rejected_frames == 1)
            await pty.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert (
        'device analyzer: byte 1: frame 1: frame trailer "\\r" is not CR LF, then EOT (profile switch '
        "missing_lf_after_checksum accepts it); answered NAK, the device resends it"
    ) in _warnings(caplog)
    trace = Path(__file__).resolve().parents[1] / "traces" / "data" / "roche-cobas_c111.astm"
    assert main(["devices", "replay", str(trace), "-p", "astm"]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == (
        f'{trace}: byte 0: quarantined (bad_frame): frame 1: frame trailer "\\n" is not CR LF, then the '
        "next frame's STX (profile switch missing_lf_after_checksum accepts it)"
    )
