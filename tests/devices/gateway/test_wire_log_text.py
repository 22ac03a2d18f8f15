"""The wire log (`listen --wire-log DIR`) is ASCII: a note that quotes a byte above 0x7F - a NAK
reason naming a corrupted frame trailer, a device's own note in Chinese - stopped the session with
UnicodeEncodeError ('session failed, link closed without acknowledging'), so a line hit by noise
cost the device its link instead of one NAK. Real pty, real SQLite file, real wire-log file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devices.codecs.astm_frame import ACK, ENQ, EOT, NAK
from devices.wire_log import WireLog
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import expect_bytes, pty_analyzer, sample_frames


def test_a_frame_trailer_hit_by_noise_is_naked_noted_and_the_resend_stored(tmp_path: Path) -> None:
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = sample_frames()
    noisy = frames[-1][:-2] + b"\xc6\n"  # the CR after the checksum became 0xC6
    wire_dir = tmp_path / "wire"

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock, wire_log_dir=wire_dir) as gateway:
            await pty.write(ENQ)
            await expect_bytes(pty, ACK)
            for frame in frames[:-1]:
                await pty.write(frame)
                await expect_bytes(pty, ACK)
            await pty.write(noisy)
            await expect_bytes(pty, NAK)
            await pty.write(frames[-1])  # the resend
            await expect_bytes(pty, ACK)
            await pty.write(EOT)
            await wait_until(lambda: count(db_path, "device_messages") == 1)
            assert gateway.status()[0].rejected_frames == 1
            await pty.close()

    asyncio.run(scenario())
    assert count(db_path, "device_results") > 0
    (log,) = (wire_dir / "analyzer").glob("*.wire.log")
    text = log.read_bytes().decode("ascii")  # still ASCII, the byte escaped
    assert 'rejected (NAK): frame 6: frame trailer "\\xc6\\n" is not CR LF' in text, text[-600:]


def test_a_note_in_chinese_is_written_escaped(tmp_path: Path) -> None:
    wire = WireLog(tmp_path, "meter", "s1")
    wire.note("the device refused OPL.R01: 操作员列表无效")
    wire.close()
    line = wire.path.read_bytes().decode("ascii").splitlines()[0]
    assert line.endswith(" -- the device refused OPL.R01: \\u64cd\\u4f5c\\u5458\\u5217\\u8868\\u65e0\\u6548")
