"""The advice for a unit the profile does not take calls it "the same unit written differently" only
where UCUM reads it so (referral.device_results.same_unit, the inbox's rule too).

devices.mapping proposed "Mg/dL" (a megagram per decilitre case-sensitively, no UCUM form of mg/dL)
as '"Mg/dL" is "mg/dL" written differently: set ... device_units = ["mg/dL", "Mg/dL"]' - a relabel
of megagrams as milligrams - because its spelling rule ignored case. Now it is proposed as a unit of
its own, listed only if the site confirms its values are in it; spaces and the litre's l still make
a spelling. ``triage devices replay`` of a capture in the c311's layout (SYNTHETIC values).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.test_unit_case import _capture, _held_units, _replay


@pytest.mark.parametrize(
    ("unit", "advice"),
    [
        (
            "Mg/dL",
            'if the values are in "Mg/dL" on this device, set [mapping."GLU/"] device_units = ["mg/dL", "Mg/dL"]'
            " in the profile: each unit listed then goes to triage as sent",
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
