"""Another device's capture replayed as ASTM: the real SPOTCHEM EL packet (STX, its date
'24/10/29...', ETX) read as an ASTM frame numbered 2 - the date's first digit - said only
'byte 0: quarantined (bad_frame): frame 2: checksum "\\n\\u0004" is not two hex digits', no word
that the capture is not ASTM or what to check, where a capture with no STX at all, or an STX with
no frame number after it, asks "is the capture ASTM (check --protocol and --profile)?". Now a
capture of which no frame is valid and whose first is not frame 1 (every transfer starts with
frame 1) asks it too; a real ASTM capture whose one frame is bad (frame 1) does not. The real
`triage devices replay` in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.traces.golden_io import DATA
from triage.cli import main

QUESTION = (
    "no frame of the capture is a valid ASTM frame: is the capture ASTM (check --protocol and --profile)?"
)


def _replayed(capture: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["devices", "replay", str(capture), "--profile", "sysmex-xn550"]) == 1
    return capsys.readouterr().err.splitlines()


def test_a_spotchem_capture_replayed_as_astm_asks_whether_it_is_astm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capture = DATA / "arkray-spotchem_el_se1520.raw"
    first = _replayed(capture, capsys)[0]
    assert first == (
        f'{capture}: byte 0: quarantined (bad_frame): frame 2: checksum "\\n\\u0004" is not two hex'
        f" digits; {QUESTION}"
    )


def test_a_real_astm_capture_with_its_one_frame_bad_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = (DATA / "abbott-afinion2.astm").read_bytes()
    assert raw.count(b"\x02") == 1 and raw[raw.index(b"\x02") + 1 : raw.index(b"\x02") + 2] == b"1"
    at = raw.index(b"\x03") + 1  # the checksum's first digit
    bad = raw[:at] + (b"0" if raw[at : at + 1] != b"0" else b"1") + raw[at + 1 :]
    capture = tmp_path / "afinion.astm"
    capture.write_bytes(bad)
    lines = _replayed(capture, capsys)
    assert any("quarantined (bad_frame): frame 1: checksum mismatch" in line for line in lines), lines
    assert not any("is the capture ASTM" in line for line in lines), lines
