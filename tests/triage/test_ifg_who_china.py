"""Impaired fasting glucose follows China's guideline: 6.1-6.9 mmol/L (110-125 mg/dL).

The glycaemia score took the ADA 2025 (s2) IFG range, 5.6-6.9 mmol/L, for its band, where the
clinics it serves follow 中国2型糖尿病防治指南 (2020 edition), which keeps WHO 1999: impaired fasting
glucose is 6.1 to below 7.0 mmol/L, and a fasting glucose below 6.1 normal (risk.md 2.7 lists both,
"Prediabetes, ADA" and "Prediabetes, WHO/China"). A fasting 5.8 mmol/L was "prediabetes range
(suspected from one reading; confirm with a repeat test)" - a repeat test CDS 2020 does not ask
for. Now 5.6-6.0 (100-109 mg/dL) is the band ``normal``, its component still saying ``ifg_ada`` (the
ADA category is not hidden), 6.1-6.9 (110-125) the ``prediabetes_range``, 7.0 (126) the diabetes
range; the score's reference names which source gives the IFG range. HbA1c 5.7-6.4 % stays
``prediabetes_range`` (ADA 2025; CDS 2020 defines no prediabetes range by HbA1c)."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy
from triage.scores.glycaemia import glycaemia
from triage.units import GLUCOSE_MGDL_PER_MMOLL

MMOL = [
    (5.59, "normal", "normal"),
    (5.6, "normal", "ifg_ada"),
    (6.0, "normal", "ifg_ada"),
    (6.09, "normal", "ifg_ada"),
    (6.1, "prediabetes_range", "ifg_who_china"),
    (6.5, "prediabetes_range", "ifg_who_china"),
    (6.99, "prediabetes_range", "ifg_who_china"),
    (7.0, "diabetes_range", "diabetes_range"),
]
MGDL = [
    (99.0, "normal", "normal"),
    (100.0, "normal", "ifg_ada"),
    (109.0, "normal", "ifg_ada"),
    (109.9, "normal", "ifg_ada"),
    (110.0, "prediabetes_range", "ifg_who_china"),
    (125.0, "prediabetes_range", "ifg_who_china"),
    (125.9, "prediabetes_range", "ifg_who_china"),
    (126.0, "diabetes_range", "diabetes_range"),
]


@pytest.mark.parametrize(("fpg", "band", "component"), MMOL)
def test_the_band_at_each_fasting_cut_point_in_mmol_l(fpg: float, band: str, component: str) -> None:
    r = glycaemia(glucose_fasting=fpg, glucose_random=None, hba1c=None, known_diabetes=False)
    assert r.band == band and r.components["glucose_fasting"] == component


@pytest.mark.parametrize(("mgdl", "band", "component"), MGDL)
def test_the_band_at_each_fasting_cut_point_in_mg_dl(mgdl: float, band: str, component: str) -> None:
    r = glycaemia(
        glucose_fasting=mgdl / GLUCOSE_MGDL_PER_MMOLL,
        glucose_random=None,
        hba1c=None,
        known_diabetes=False,
        glucose_fasting_mgdl=mgdl,
    )
    assert r.band == band and r.components["glucose_fasting"] == component


@pytest.mark.parametrize(
    ("a1c", "band"), [(5.69, "normal"), (5.7, "prediabetes_range"), (6.49, "prediabetes_range")]
)
def test_hba1c_prediabetes_stays_the_ada_range(a1c: float, band: str) -> None:
    r = glycaemia(glucose_fasting=5.8, glucose_random=None, hba1c=a1c, known_diabetes=False)
    assert r.band == band


def test_the_reference_names_the_source_of_the_ifg_range() -> None:
    r = glycaemia(glucose_fasting=6.2, glucose_random=None, hba1c=None, known_diabetes=False)
    assert "IFG 6.1-6.9 mmol/L (110-125 mg/dL): WHO 1999, 中国2型糖尿病防治指南 2020" in r.reference


@pytest.mark.parametrize(
    ("fpg", "unit", "detail"),
    [
        (5.8, "mmol/L", "normal"),
        (104.0, "mg/dL", "normal"),
        (6.3, "mmol/L", "prediabetes range (suspected from one reading; confirm with a repeat test)"),
        (113.0, "mg/dL", "prediabetes range (suspected from one reading; confirm with a repeat test)"),
    ],
)
def test_a_patient_with_a_fasting_glucose_between_the_two_ranges(
    policy: Policy, fpg: float, unit: str, detail: str
) -> None:
    """Through assess(), as reported by a meter in either unit: 5.8 mmol/L and 104 mg/dL are normal
    (CDS 2020), local care with nothing to confirm; 6.3 and 113 the suspected IFG."""
    patient = PatientContext(age=52, sex="female", diabetes=False)
    a = assess(patient, [*normal_vitals(), ob("glucose_fasting", fpg, unit)], policy, now=NOW)
    assert a.scores["glycaemia"].detail == detail
    assert a.disposition.value == "local_care"
