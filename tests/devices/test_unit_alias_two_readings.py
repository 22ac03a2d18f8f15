"""A unit a device sends goes to triage as sent (a profile without ``device_units``), where
``triage.units.normalize_unit`` looks it up among its aliases case aside. An alias whose capitals
read as two units ("ml": "ML" is milli-litres in UCUM's case-insensitive form, mega-litres
case-sensitively) would take there what the gateway holds naming both readings
(``devices.unit_case``). No alias does today; one is now refused when the module is imported
(``check_aliases``), so none can be added, and the conversions the aliases make are unchanged.
"""

from __future__ import annotations

import pytest

from triage.errors import UnitError
from triage.units import _ALIASES, check_aliases, normalize_unit, resolve_unit, to_canonical


@pytest.mark.parametrize(
    ("alias", "says"),
    [
        ("ml", '"ML" read as milli or mega (ML)'),
        ("mu/l", '"MU/L" read as milli or mega (MU)'),
        ("m[iu]/l", '"M[IU]/L" read as milli or mega (M[IU])'),
        ("pmol/l", None),  # PMOL: no litre, unit or [IU] after the P
        ("pu/ml", '"PU/ML" read as pico or peta (PU)'),
    ],
)
def test_an_alias_whose_capitals_read_as_two_units_is_refused(alias: str, says: str | None) -> None:
    if says is None:
        check_aliases({alias: alias})
        return
    with pytest.raises(ValueError, match="remove it") as refused:
        check_aliases({"mmhg": "mm[Hg]", alias: alias})
    assert says in str(refused.value)
    assert f'unit alias "{alias}"' in str(refused.value)


def test_the_aliases_in_use_pass_and_convert_as_before() -> None:
    check_aliases(_ALIASES)
    assert [normalize_unit(u) for u in ("MG/DL", "mg/dl", "MMOL/L", "mmHg", "MM HG", "10^9/L", "KPA")] == [
        "mg/dL",
        "mg/dL",
        "mmol/L",
        "mm[Hg]",
        "mm[Hg]",
        "10*9/L",
        "kPa",
    ]
    assert round(to_canonical("glucose_random", 180.16, "MG/DL"), 3) == 10.0
    # capitals that read as mega are no alias: refused by triage, never taken as mL/min
    with pytest.raises(UnitError) as refused:
        resolve_unit("egfr", "ML/MIN/{1.73_M2}")
    assert 'unit "ML/MIN/{1.73_M2}" is not accepted' in str(refused.value)
