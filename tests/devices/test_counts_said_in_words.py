"""Counts the device gateway and ``triage devices replay`` say are said in words for their number
(``referral.plurals.counted``): '1 frame of a message', '1 other byte', '1 message, 1 result', not
'1 frame(s)', '1 other byte(s)', '1 message(s), 1 result(s)', and the gateway's stored line '1 new
result', not '1 new results'. The other counts at 1 are in the
tests of their own messages (test_integrator_errors: '1 accepted frame'; test_hl7_no_result_status:
'1 result: 1 observation'; test_quarantine_sentence: '1 part quarantined'; test_device_clock: '1
result held'; test_poct1a_cli: '1 resend'; ble/test_junk_reasons: 'of 1 byte'). SYNTHETIC patients."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.codecs.astm_frame import build_frame, split_records
from devices.codecs.astm_link import AstmReceiver
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import ENQ, EOT, FakeClock, strict_profile
from tests.devices.gateway.harness import count, running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import pty_analyzer, send_message
from triage.cli import main
from triage.intake import replay_capture

WHEN = datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _records() -> list[bytes]:
    sample = sample_from_values(
        "astm-analyzer", "SIM-P1", "SIM-S1", {"glucose_random": 5.0}, observed_at=WHEN
    )
    return astm_records(sample)


def _framed(records: list[bytes]) -> bytes:
    texts = split_records(records)
    return ENQ + b"".join(build_frame(i + 1, text, final) for i, (text, final) in enumerate(texts))


def test_a_capture_cut_after_one_frame_says_one_frame() -> None:
    profile = simulator_profile("astm-analyzer", "analyzer")
    report = replay_capture(profile, _framed(_records()[:1]))  # the header's frame alone
    [cut] = [q for q in report.quarantined if q.reason == "incomplete_message"]
    assert cut.detail.startswith("the capture ends after 1 frame of a message, without its L record"), (
        cut.detail
    )


def test_one_byte_of_noise_after_a_trailer_is_one_other_byte(caplog: pytest.LogCaptureFixture) -> None:
    counter = ToleranceCounter()
    rx = AstmReceiver(
        strict_profile(tolerance={"missing_lf_after_checksum": True}), FakeClock(), counter=counter
    )
    with caplog.at_level(logging.DEBUG):
        rx.receive_data(ENQ + build_frame(1, b"H|\\^&\r", True)[:-1] + b"x" + EOT)
    assert 'trailer "\\r" and 1 other byte before the next frame' in caplog.text, caplog.text


def test_replay_of_one_message_says_one_message_one_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "one.astm"
    capture.write_bytes(_framed(_records()) + EOT)
    assert (
        main(["devices", "replay", str(capture), "--profile", "generic-astm"]) == 1
    )  # 1: a result for review
    err = capsys.readouterr().err
    assert ": 1 message, 1 result: 0 observations, 1 for review (" in err, err  # unmapped there


def test_the_stored_line_says_one_new_result(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway's INFO line for a stored message said '1 new results, ... 0 duplicates, 0
    quarantined parts'. A real pty and gateway, one glucose result."""
    pty, clock, endpoint, db_path = pty_analyzer(tmp_path)
    frames = [build_frame(n % 8, text, final) for n, (text, final) in enumerate(split_records(_records()), 1)]

    async def scenario() -> None:
        async with running_gateway([endpoint], db_path, clock=clock):
            await send_message(pty, frames)
            await wait_until(lambda: count(db_path, "device_results") == 1)
            await pty.close()

    with caplog.at_level(logging.INFO, logger="devices.gateway"):
        asyncio.run(scenario())
    assert (
        "message 1 stored: 1 new result, 0 replaced, 0 duplicates, 0 quarantined parts (0 of" in caplog.text
    )
