"""A device unit in another letter case: taken where UCUM reads it as the unit listed, held with
its reason where it does not or could be two units (devices.unit_case).

Analyzers send UCUM's case-insensitive form ("MMOL/L", "MG/DL") or the litre as ``l`` (the real
cobas c311 capture: "mmol/l", "umol/l"); a profile lists "mmol/L". Both were held as a unit the
profile does not take, each result until an integrator listed every spelling. "ML/MIN/..." is
milli-litres per minute case-insensitively but mega-litres case-sensitively: held, its reason
naming the unit and the field it came in, never taken as mL/min.

``triage devices replay`` of the real capture and of captures in its record layout (SYNTHETIC
patient and values), with a real profile file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.devices.traces.golden_io import DATA
from triage.cli import main

#: A site's mapping of the c311's test numbers, for this test (the bundled profile maps none).
PROFILE = (Path(__file__).parents[2] / "devices/profiles/roche-cobas_c311.toml").read_text() + "".join(
    f'\n[mapping."{vendor}"]\ncode = "{code}"\ndevice_units = ["{unit}"]\n'
    for vendor, code, unit in [
        ("717/", "glucose_random", "mmol/L"),
        ("690/", "creatinine", "umol/L"),
        ("GLU/", "glucose_fasting", "mg/dL"),
        ("GFR/", "egfr", "mL/min/{1.73_m2}"),
    ]
)


def _replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], capture: Path
) -> tuple[dict[str, object], str]:
    profile = tmp_path / "c311.toml"
    profile.write_text(PROFILE)
    main(["devices", "replay", str(capture), "--profile", str(profile), "--json"])
    out, err = capsys.readouterr()
    return json.loads(out), err


def _capture(tmp_path: Path, *results: tuple[str, str, str]) -> Path:
    """An ASTM capture in the c311's record layout, one R record per (test, value, unit)."""
    records = [
        "H|\\^&|||c311^1|||||host|RSUPL^REAL|P|1",
        "P|1||SIM-PAT-1",
        "O|1|SIM-11625||^^^717/|R",
        *(
            f"R|{n}|^^^{test}|{value}|{unit}||N||F||||20240203132011|P1"
            for n, (test, value, unit) in enumerate(results, 1)
        ),
        "L|1|N",
    ]
    path = tmp_path / "capture.astm"
    path.write_bytes("".join(r + "\r" for r in records).encode())
    return path


def _held_units(document: dict[str, object]) -> list[str]:
    quarantined = document["quarantined"]
    assert isinstance(quarantined, list)
    return [q["detail"] for q in quarantined if q["reason"] == "unexpected_unit"]


def test_the_real_c311_capture_s_litre_written_l_is_the_unit_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document, _ = _replay(tmp_path, capsys, DATA / "roche-cobas_c311.astm")
    assert _held_units(document) == []
    found = document["observations_without_patient"]  # the capture names no patient
    assert isinstance(found, list)
    assert [(o["vendor_code"], o["value"], o["unit"]) for o in found] == [
        ("717/", 5.85, "mmol/L"),
        ("690/", 34.0, "umol/L"),
    ]


def test_ucum_case_insensitive_capitals_are_the_unit_listed_and_convert_as_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = _capture(
        tmp_path, ("717/", "5.85", "MMOL/L"), ("690/", "34", "UMOL/L"), ("GLU/", "99", "MG/DL")
    )
    document, _ = _replay(tmp_path, capsys, capture)
    assert _held_units(document) == []
    found = document["observations"]
    assert isinstance(found, list)
    assert [(o["code"], o["value"], o["unit"]) for o in found] == [
        ("glucose_random", 5.85, "mmol/L"),
        ("creatinine", 34.0, "umol/L"),
        ("glucose_fasting", pytest.approx(99 / 18.016), "mmol/L"),  # 99 mg/dL, not 99 mmol/L
    ]


@pytest.mark.parametrize(
    ("unit", "says"),
    [
        (
            "ML/MIN/{1.73_M2}",
            '"ML/MIN/{1.73_M2}" in R.5 is "mL/min/{1.73_m2}" in UCUM\'s case-insensitive form (M = milli)'
            ' but another unit case-sensitively (M = mega), so it is not taken as "mL/min/{1.73_m2}":'
            ' once the site confirms that it is mL/min/{1.73_m2} on this device, set [mapping."GFR/"] device_units = ["mL/min/{1.73_m2}",'
            ' "ML/MIN/{1.73_M2}"] in the profile',
        ),
        # neither UCUM form of mg/dL (Mg is a megagram case-sensitively): not taken either
        ("Mg/dL", 'device unit "Mg/dL", profile expects one of ["mg/dL"]'),
    ],
)
def test_a_unit_case_that_could_read_as_another_unit_is_held_saying_which_and_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, says: str
) -> None:
    test = "GFR/" if unit.startswith("ML") else "GLU/"
    document, err = _replay(tmp_path, capsys, _capture(tmp_path, (test, "61", unit)))
    (held,) = _held_units(document)
    assert says in held, held
    assert says in err, err
    assert document["observations"] == []
