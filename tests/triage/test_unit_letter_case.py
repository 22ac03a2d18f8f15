"""A unit's letter case counts (UCUM is case-sensitive; ``devices.unit_case``'s rule): the litre's
``l`` or ``L`` and a unit written all in capitals (UCUM's case-insensitive form) read alike, unless
an ``M`` or ``P`` before ``L``, ``U`` or ``[IU]`` could be mega or peta. ``triage.units.normalize_unit``
looked its aliases up with any input lower-cased, so ``Mg/dL`` - a megagram per decilitre
case-sensitively - was converted as mg/dL, silently, on every path (the API, ``triage assess``, a
device profile listing it). Now it is refused naming the unit and the letter, and every spelling
the rule allows still converts as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from referral.device_results import litre_as_l, two_readings
from triage.errors import UnitError
from triage.units import _ALIASES, _WRITTEN, normalize_unit, resolve_unit, to_canonical

TRIAGE = str(Path(sys.executable).with_name("triage"))


@pytest.mark.parametrize(
    ("code", "unit", "says"),
    [
        ("glucose_random", "Mg/dL", '"M" where "mg/dL" has "m" (M is mega, m milli)'),
        ("glucose_random", "Mmol/L", '"M" where "mmol/L" has "m" (M is mega, m milli)'),
        ("creatinine", "mg/DL", '"D" where "mg/dL" has "d"'),
        ("sbp", "Kpa", '"K" where "kpa" has "k"'),
        ("weight", "Lb", '"L" where "lb" has "l"'),
    ],
)
def test_an_alias_in_a_letter_case_ucum_does_not_read_alike_is_refused_saying_so(
    code: str, unit: str, says: str
) -> None:
    with pytest.raises(UnitError) as refused:
        resolve_unit(code, unit)
    text = str(refused.value)
    assert text.startswith(f'{code}: unit "{unit}" is not accepted as "'), text
    assert says in text, text
    assert "and only the litre's l and a unit all in capitals read alike; use one of: " in text, text


def test_every_alias_as_written_with_its_litre_either_way_and_in_capitals_converts_as_before() -> None:
    for alias, ucum in _ALIASES.items():
        spellings = {alias, ucum, *_WRITTEN.get(alias, ()), litre_as_l(alias)}
        if two_readings(alias.upper()) is None:
            spellings.add(alias.upper())
        for spelt in spellings:
            assert normalize_unit(spelt) == ucum, (alias, spelt)
    assert [
        normalize_unit(u) for u in ("mmHg", "mm Hg", "MMHG", "kPa", "°C", "degF", "µMOL/L", "x10^9/L")
    ] == [
        "mm[Hg]",
        "mm[Hg]",
        "mm[Hg]",
        "kPa",
        "Cel",
        "[degF]",
        "umol/L",
        "10*9/L",
    ]
    assert round(to_canonical("glucose_random", 180.16, "mg/dl"), 3) == 10.0
    assert round(to_canonical("glucose_random", 180.16, "MG/DL"), 3) == 10.0


def test_triage_assess_refuses_a_megagram_glucose_naming_the_reading(tmp_path: Path) -> None:
    request = {
        "patient": {"age": 54, "sex": "female"},
        "observations": [
            {
                "code": "glucose_random",
                "value": 180,
                "unit": "Mg/dL",
                "observed_at": "2026-11-25T08:50:00+08:00",
            }
        ],
    }
    path = tmp_path / "glucose.json"
    path.write_text(json.dumps(request))
    done = subprocess.run([TRIAGE, "assess", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr
    assert (
        f'{path}: observations[0].unit: glucose_random: unit "Mg/dL" is not accepted as "mg/dL"'
        in done.stderr
    ), done.stderr
