"""A PCE input refused as outside its range is shown as a number outside that range: a lipid
converted from mmol/L is seldom whole, and four significant digits showed 320.04 mg/dL as
'320 mg/dL is outside 130-320', a value the staff read as inside."""

from __future__ import annotations

import re

import pytest

from triage.scores.pce import pce

GUIDELINE = {
    "age": 55.0,
    "tc_mgdl": 213.0,
    "hdl_mgdl": 50.0,
    "sbp": 120.0,
    "on_antihypertensives": False,
    "current_smoker": False,
    "diabetes": False,
}
RANGES = {"tc_mgdl": (130.0, 320.0), "hdl_mgdl": (20.0, 100.0), "sbp": (90.0, 200.0)}


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("tc_mgdl", 320.04, "320.04"),
        ("tc_mgdl", 129.96, "129.96"),
        ("hdl_mgdl", 100.04, "100.04"),
        ("hdl_mgdl", 19.999, "19.999"),
        ("sbp", 200.01, "200.01"),
        ("tc_mgdl", 412.0, "412"),  # well outside: as before, no digits added
        ("tc_mgdl", 320.5, "320.5"),
    ],
)
def test_the_value_shown_is_outside_the_range_it_is_refused_for(field: str, value: float, shown: str) -> None:
    r = pce(sex="male", **{**GUIDELINE, field: value})  # type: ignore[arg-type]
    assert (r.applicable, r.value) == (False, None), r
    lo, hi = RANGES[field]
    numbers = re.findall(r"-?\d+(?:\.\d+)?", r.detail)
    assert shown in numbers, r.detail
    assert not lo <= float(shown) <= hi
