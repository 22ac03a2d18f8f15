"""`triage devices replay` lists what it quarantined in the capture's byte order.

The real mini VIDAS capture's two results came out as byte 95 then byte 84 (the codec lists the
quantitative result before the qualitative one that precedes it in the record), and a BLE
capture's unreadable record at byte 0 after stray lines at bytes 10 and 21: an integrator reading
the capture alongside went back and forth. Replays of the real capture and of a BLE capture
(SYNTHETIC readings) with their bundled profiles.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.devices.traces.golden_io import DATA
from triage.cli import main


def _quarantined_at(capsys: pytest.CaptureFixture[str], capture: Path, profile: str) -> list[int]:
    assert main(["devices", "replay", str(capture), "--profile", profile]) == 1
    err = capsys.readouterr().err
    return [int(m.group(1)) for m in re.finditer(r": byte (\d+): quarantined \(", err)]


def test_the_real_mini_vidas_capture_s_results_are_listed_in_byte_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _quarantined_at(capsys, DATA / "biomerieux-mini_vidas.raw", "biomerieux-mini_vidas") == [84, 95]


def test_a_ble_record_that_cannot_be_read_is_listed_where_it_lies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "meter.txt"
    capture.write_bytes(b"2a18 1b0100e8070c\n2a18 zz\n2a34 020200\n")  # a cut-off record, two stray lines
    assert _quarantined_at(capsys, capture, "ble-glucose_meter") == [0, 18, 26]
