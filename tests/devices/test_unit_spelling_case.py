"""The advice for a unit the profile does not take calls it "the same unit written differently" only
where UCUM reads it so (referral.device_results.same_unit, the inbox's rule too).

devices.mapping proposed "Mg/dL" (a megagram per decilitre case-sensitively, no UCUM form of mg/dL)
as '"Mg/dL" is "mg/dL" written differently: set ... device_units = ["mg/dL", "Mg/dL"]' - a relabel
of megagrams as milligrams - because its spelling rule ignored case. Then it was proposed as a unit
of its own to go to triage as sent, where ``triage.units`` converted it as mg/dL all the same (its
aliases looked up lower-cased); triage now refuses it (a profile listing it without a unit is
refused when read), so it is proposed as a relabel, with the mapping's unit, once the site confirms
what it is. Spaces and the litre's l still make a spelling. ``triage devices replay`` of a capture in the c311's layout (SYNTHETIC values).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.devices.test_unit_case import PROFILE, _capture, _held_units, _replay
from triage.cli import main


@pytest.mark.parametrize(
    ("unit", "advice"),
    [
        (
            "Mg/dL",
            '"Mg/dL" is not "mg/dL": a unit\'s letter case counts, and triage refuses it: once the site confirms'
            ' that it is mg/dL on this device, set [mapping."GLU/"] device_units = ["mg/dL", "Mg/dL"] and'
            ' unit = "mg/dL" in the profile',
        ),
        ("mg / dl", '"mg / dl" is "mg/dL" written differently: set [mapping."GLU/"] device_units'),
    ],
)
def test_a_unit_is_proposed_as_a_spelling_only_where_ucum_reads_it_as_the_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], unit: str, advice: str
) -> None:
    document, _ = _replay(tmp_path, capsys, _capture(tmp_path, ("GLU/", "95", unit)))
    (held,) = _held_units(document)
    assert advice in held, held


def _glucose_as(tmp_path: Path, capsys: pytest.CaptureFixture[str], mapping: str) -> tuple[int, str, str]:
    """Replay 99 "Mg/dL" with the profile's GLU/ mapping set as ``mapping`` says."""
    profile = tmp_path / "site.toml"
    old = '[mapping."GLU/"]\ncode = "glucose_fasting"\ndevice_units = ["mg/dL"]\n'
    assert old in PROFILE
    profile.write_text(PROFILE.replace(old, f'[mapping."GLU/"]\ncode = "glucose_fasting"\n{mapping}\n'))
    capture = _capture(tmp_path, ("GLU/", "99", "Mg/dL"))
    try:
        code = main(["devices", "replay", str(capture), "--profile", str(profile), "--json"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_advice_followed_takes_the_unit_as_the_mapping_s_and_the_old_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the site confirmed that its "Mg/dL" is mg/dL: relabelled, converted as mg/dL
    code, out, err = _glucose_as(tmp_path, capsys, 'device_units = ["mg/dL", "Mg/dL"]\nunit = "mg/dL"')
    assert code in (0, None), err
    (found,) = json.loads(out)["observations"]
    assert (found["code"], found["value"], found["unit"]) == (
        "glucose_fasting",
        pytest.approx(99 / 18.016),
        "mmol/L",
    )
    # listed to go to triage as sent (the former advice): a megagram, refused when the profile is read
    code, out, err = _glucose_as(tmp_path, capsys, 'device_units = ["mg/dL", "Mg/dL"]')
    assert code == 2, (out, err)
    assert 'mapping.GLU/.device_units: glucose_fasting: unit "Mg/dL" is not accepted as "mg/dL"' in err, err
    assert "Traceback" not in err
