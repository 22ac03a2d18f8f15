"""The setting replay (and the held worklist) proposes for a unit its profile does not list.

A unit is the same unit written differently ("mg / dl" for "mg/dL", "mmHg" for "mm[Hg]"): the
suggestion says so and proposes listing the spelling, so its values go to triage in the mapping's
unit. The suggestion compared units by their letters alone: "mg/dl" was told to be listed with the
mapping's unit removed (sent on as an unknown unit), and "%" - no letter - was proposed as a
spelling of HbA1c's "mmol/mol", relabelling 5.9 % as 5.9 mmol/mol. A different unit, whose values
differ, is never proposed as a relabel. ("mg/dl", the litre as l, and "MG/DL", UCUM's
case-insensitive form, are now taken as "mg/dL" without being listed: tests/devices/test_unit_case.py.)

``triage devices replay`` of a real capture file with a real profile file (SYNTHETIC values).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.cli import main

#: vendor code -> (vocabulary code, the mapping's unit, which its device_units list alone)
MAPPING = {
    "GLU": ("glucose_random", "mg/dL"),
    "SYS": ("sbp", "mm[Hg]"),
    "A1C": ("hba1c", "mmol/mol"),
    "GLUM": ("glucose_fasting", "mmol/L"),
}
PROFILE = 'device_id = "analyser"\nprotocol = "hl7"\ntimezone = "UTC"\n' + "".join(
    f'\n[mapping."{vendor}"]\ncode = "{code}"\nunit = "{unit}"\ndevice_units = ["{unit}"]\n'
    for vendor, (code, unit) in MAPPING.items()
)


def _suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, value: str, unit: str) -> str:
    capture = tmp_path / "capture.hl7"
    capture.write_bytes(
        (
            "MSH|^~\\&|ANALYSER|LAB|||20260105080000||ORU^R01|C1|P|2.5\rPID|1||SIM-P1\rOBR|1|SIM-S1\r"
            f"OBX|1|NM|{code}||{value}|{unit}|||||F|||20260105080000\r"
        ).encode()
    )
    profile = tmp_path / "analyser.toml"
    profile.write_text(PROFILE)
    assert main(["devices", "replay", str(capture), "--profile", str(profile)]) == 1
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "quarantined (unexpected_unit)" in x]
    return line


@pytest.mark.parametrize(
    ("code", "value", "unit", "listed", "mapped"),
    [("GLU", "140", "mg / dl", "mg/dL", "mg/dL"), ("SYS", "128", "mmHg", "mm[Hg]", "mm[Hg]")],
)
def test_a_unit_written_differently_is_proposed_as_the_spelling_it_is(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    code: str,
    value: str,
    unit: str,
    listed: str,
    mapped: str,
) -> None:
    line = _suggestion(tmp_path, capsys, code, value, unit)
    assert (
        f'("{unit}" is "{mapped}" written differently: set [mapping."{code}"] device_units = ["{listed}",'
        f' "{unit}"] in the profile)'
    ) in line, line


@pytest.mark.parametrize(
    ("code", "value", "unit", "mapped"), [("A1C", "5.9", "%", "mmol/mol"), ("GLUM", "140", "mg/dL", "mmol/L")]
)
def test_a_different_unit_is_never_proposed_as_a_relabel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, value: str, unit: str, mapped: str
) -> None:
    line = _suggestion(tmp_path, capsys, code, value, unit)
    assert f'if "{unit}" is {mapped}' not in line and "written differently" not in line, line
    assert (
        f'and remove its unit = "{mapped}" in the profile: each unit listed then goes to triage as sent'
        in line
    )
