"""Glucose reported in mg/dL is compared with the mg/dL member of each published pair (ADA 2025,
WHO/CDS), at its cut-point and just below it: fasting 126 (diabetes), 110 (WHO/China IFG), 100 (ADA
IFG), 70 (level-1 hypoglycaemia), and the HHS range from 600 mg/dL. Each case killed a mutant of
triage/scores/glycaemia.py:53-59 (a mg/dL cut-point 0.1 lower) that
tests/triage/test_glycaemia_oximetry.py let live."""

from __future__ import annotations

import pytest

from triage.scores.glycaemia import fasting_category, glycaemia
from triage.units import GLUCOSE_MGDL_PER_MMOLL


def _fasting(mgdl: float) -> str:
    return fasting_category(mgdl / GLUCOSE_MGDL_PER_MMOLL, mgdl)


@pytest.mark.parametrize(
    ("mgdl", "category"),
    [
        (126.0, "diabetes_range"),
        (125.9, "ifg_who_china"),
        (110.0, "ifg_who_china"),
        (109.9, "ifg_ada"),
        (100.0, "ifg_ada"),
        (99.9, "normal"),
        (70.0, "normal"),
        (69.9, "hypoglycaemia_level1"),
    ],
)
def test_a_fasting_glucose_in_mg_dl_at_each_cut_point(mgdl: float, category: str) -> None:
    assert _fasting(mgdl) == category


@pytest.mark.parametrize(("mgdl", "hhs"), [(600.0, True), (599.9, False)])
def test_the_hhs_range_starts_at_600_mg_dl(mgdl: float, hhs: bool) -> None:
    r = glycaemia(
        glucose_fasting=None,
        glucose_random=mgdl / GLUCOSE_MGDL_PER_MMOLL,
        hba1c=None,
        known_diabetes=None,
        glucose_random_mgdl=mgdl,
    )
    assert (r.band == "hhs_range") is hhs
