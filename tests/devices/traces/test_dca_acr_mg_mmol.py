"""A DCA Vantage set to report the albumin/creatinine ratio in mg/mmol: the bundled profile listed
mg/g alone, so every ratio was held, and the line told the integrator to list mg/mmol in
device_units - which relabelled 3.1 mg/mmol as 3.1 mg/g (A1, where 3.1 mg/mmol is 27.4 mg/g, A2).
Now the profile passes each unit through as sent (triage takes mg/mmol since 4c17bd3), and a unit
written out is never proposed as a spelling of another whose values differ. The real capture with
its ratio in mg/mmol, replayed by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.codecs.astm_frame import build_frame
from tests.devices.traces.golden_io import DATA
from triage.cli import main

CAPTURE = DATA / "siemens-dca_vantage.astm"


def _capture(tmp_path: Path, ratio: bytes) -> Path:
    """The real DCA Vantage message, its ratio record ``R|3|^^^Ratio|27.6|mg/g...`` replaced."""
    raw = CAPTURE.read_bytes()
    text = raw[raw.index(b"\x02") + 2 : raw.index(b"\x03")]  # after STX and the frame number
    records = [r for r in text.split(b"\r") if r]
    records = [ratio if r.startswith(b"R|3|^^^Ratio|") else r for r in records]
    path = tmp_path / "dca.astm"
    path.write_bytes(b"\x05" + build_frame(1, b"\r".join(records) + b"\r", True) + b"\x04")
    return path


def _replay(path: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, str, str]:
    code = main(["devices", "replay", str(path), "-p", "astm", "--profile", "siemens-dca_vantage", *more])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_ratio_in_mg_mmol_goes_to_triage_in_mg_mmol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _capture(tmp_path, b"R|3|^^^Ratio|3.1|mg/mmol||||F|||20240820151030")
    code, out, err = _replay(path, capsys)
    assert code == 0, err
    assert "1 observation, 0 for review" in err and "quarantined (" not in err, err
    ratio = json.loads(next(line for line in out.splitlines() if "albumin_creatinine_ratio" in line))
    # triage converted it: 3.1 mg/mmol is 27.4 mg/g (A2), not 3.1 mg/g (A1)
    assert (ratio["value"], ratio["unit"]) == (pytest.approx(3.1 * 1000 / 113.12), "mg/g"), ratio


def test_a_ratio_in_mg_g_goes_as_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _replay(_capture(tmp_path, b"R|3|^^^Ratio|27.6|mg/g||||F|||20240820151030"), capsys)
    assert code == 0, err
    ratio = json.loads(next(line for line in out.splitlines() if "albumin_creatinine_ratio" in line))
    assert (ratio["value"], ratio["unit"]) == (27.6, "mg/g"), ratio


def test_another_unit_is_held_and_never_proposed_as_mg_g(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _capture(tmp_path, b"R|3|^^^Ratio|0.31|mg/umol||||F|||20240820151030")
    code, _, err = _replay(path, capsys)
    assert code == 1
    line = next(line for line in err.splitlines() if "unexpected_unit" in line)
    assert line.endswith(
        'device unit "mg/umol", profile expects one of ["mg/g", "mg/mmol"] (if the values are in "mg/umol"'
        ' on this device, set [mapping."Ratio"] device_units = ["mg/g", "mg/mmol", "mg/umol"] in the'
        " profile: each unit listed then goes to triage as sent, which converts it or refuses it)"
    ), line


def test_a_ratio_without_a_unit_is_held_and_never_given_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Listing "" would send it to triage without a unit, read as the vocabulary's mg/g."""
    code, _, err = _replay(_capture(tmp_path, b"R|3|^^^Ratio|3.1|||||F|||20240820151030"), capsys)
    assert code == 1
    line = next(line for line in err.splitlines() if "unexpected_unit" in line)
    assert line.endswith(
        'device unit "", profile expects one of ["mg/g", "mg/mmol"] (set the device to send the unit'
        " of its values: a value without one is not taken)"
    ), line
