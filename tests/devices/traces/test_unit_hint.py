"""A result quarantined for its unit says what to change in the profile: the real Pentra capture,
whose R.5 holds the unit-system code ``1`` where the bundled profile expects unit spellings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import devices
from tests.devices.traces.golden_io import DATA
from triage.cli import main

PENTRA = DATA / "horiba-pentra_xlr.astm"
PROFILE = Path(devices.__file__).parent / "profiles" / "horiba-pentra_xlr.toml"
#: the setting a quarantine line asks for: the mapping's table, the key and its whole new value
_SET = re.compile(r"set (\[mapping\.\"[^\"]+\"\]) device_units = (\[[^\]]*\]) in the profile\)$")


def _replay(profile: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["devices", "replay", str(PENTRA), "-p", "astm", "--profile", profile])
    return code, capsys.readouterr().err.splitlines()


def test_an_unexpected_unit_names_the_unit_seen_and_the_profile_key_that_accepts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = _replay("horiba-pentra_xlr", capsys)
    assert code == 1
    wbc = next(line for line in err if 'test "WBC"' in line)
    assert wbc.endswith(
        'byte 173: quarantined (unexpected_unit): sample S1234 test "WBC": device unit "1", profile '
        'expects one of ["10*3/uL", "10E3/uL"] (if "1" is 10*9/L on this device, set '
        '[mapping."WBC"] device_units = ["10*3/uL", "10E3/uL", "1"] in the profile)'
    )


def test_setting_what_the_lines_say_maps_the_pentra_results(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An integrator who confirmed the unit system does what each line says, in a copy of the
    profile; the replay then quarantines nothing and the four mapped results are observations."""
    code, err = _replay("horiba-pentra_xlr", capsys)
    settings = [m.groups() for line in err if "unexpected_unit" in line and (m := _SET.search(line))]
    assert [table for table, _ in settings] == [f'[mapping."{c}"]' for c in ("WBC", "HGB", "HCT", "PLT")]
    text = PROFILE.read_text(encoding="utf-8")
    for table, units in settings:
        at = text.index(table)
        line = re.compile(r"^device_units = .*$", re.M).search(text, at)
        assert line is not None
        text = f"{text[: line.start()]}device_units = {units}{text[line.end() :]}"
    confirmed = tmp_path / "pentra-confirmed.toml"
    confirmed.write_text(text, encoding="utf-8")
    code, err = _replay(str(confirmed), capsys)
    assert code == 0, err
    summary = next(line for line in err if "21 results" in line)
    # the capture names no patient: the three final ones are held for a device association
    assert "0 for review, 21 not for triage (17 ignored, 4 no_patient, 1 not_final)" in summary
    assert any(
        line.endswith(
            'held (no_patient): hemoglobin 140 g/L (reported 14 g/dL), time 2022-07-27T12:15:50+08:00, sample S1234, test "HGB"'
        )
        for line in err
    )
    assert not [line for line in err if "unexpected_unit" in line]
