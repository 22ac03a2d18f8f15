"""KDIGO albuminuria categories for a ratio reported in mg/mmol at KDIGO's mg/mmol cut-points on
both sides (A1 <3, A2 3-30, A3 >30), and CKD-EPI 2021 (Inker LA et al. NEJM 2021;385:1737) to its
printed coefficients on both arms of min/max: the published equation written out here from the
paper, 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age (x 1.012 female), k 0.7/0.9,
a -0.241/-0.302. Each case killed a mutant of triage/scores/kidney.py:58-60 and 111 (a
coefficient or a cut-point one step off) that the kidney tests, which compare to 0.5, let live."""

from __future__ import annotations

import pytest

from triage.scores.kidney import albuminuria_category, ckd_epi_2021


@pytest.mark.parametrize(("mg_mmol", "category"), [(2.99, "A1"), (3.0, "A2"), (30.0, "A2"), (30.01, "A3")])
def test_a_ratio_in_mg_mmol_on_kdigo_s_mg_mmol_cut_points(mg_mmol: float, category: str) -> None:
    assert albuminuria_category(mg_mmol * 8.84, mg_mmol) == category


def _published(scr_mg_dl: float, age: float, female: bool) -> float:
    k, a = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = scr_mg_dl / k
    value = 142 * min(ratio, 1) ** a * max(ratio, 1) ** -1.2 * 0.9938**age
    return value * 1.012 if female else value


@pytest.mark.parametrize(
    ("scr_mg_dl", "age", "sex"),
    [(0.5, 50, "female"), (1.5, 60, "female"), (0.6, 45, "male"), (2.0, 70, "male")],
)
def test_ckd_epi_2021_to_its_printed_coefficients(scr_mg_dl: float, age: float, sex: str) -> None:
    expected = _published(scr_mg_dl, age, sex == "female")
    assert ckd_epi_2021(scr_mg_dl * 88.4, age, sex) == pytest.approx(expected, rel=1e-9)
