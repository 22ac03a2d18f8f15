"""Glucose/HbA1c cut-offs, critical values, ketones; SpO2 categories on both scales."""

from __future__ import annotations

import pytest

from triage.scores.glycaemia import fasting_category, glycaemia, hba1c_category, random_category
from triage.scores.oximetry import oximetry


@pytest.mark.parametrize(
    ("fpg", "cat"),
    [
        (2.99, "hypoglycaemia_level2"),
        (3.0, "hypoglycaemia_level1"),
        (3.89, "hypoglycaemia_level1"),
        (3.9, "normal"),
        (5.59, "normal"),
        (5.6, "ifg_ada"),
        (6.09, "ifg_ada"),
        (6.1, "ifg_who_china"),
        (6.99, "ifg_who_china"),
        (7.0, "diabetes_range"),
    ],
)
def test_fasting_cut_points(fpg: float, cat: str) -> None:
    assert fasting_category(fpg) == cat


@pytest.mark.parametrize(
    ("rpg", "cat"), [(11.09, "normal"), (11.1, "diabetes_range"), (3.89, "hypoglycaemia_level1")]
)
def test_random_cut_points(rpg: float, cat: str) -> None:
    assert random_category(rpg) == cat


@pytest.mark.parametrize(
    ("a1c", "cat"),
    [(5.69, "normal"), (5.7, "prediabetes_range"), (6.49, "prediabetes_range"), (6.5, "diabetes_range")],
)
def test_hba1c_cut_points(a1c: float, cat: str) -> None:
    assert hba1c_category(a1c) == cat


def _g(**kw: float | str | bool | None) -> str | None:
    base: dict[str, float | str | bool | None] = {
        "glucose_fasting": None,
        "glucose_random": None,
        "hba1c": None,
        "known_diabetes": False,
    }
    base.update(kw)
    return glycaemia(**base).band  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (2.99, "critical_low"),
        (3.0, "hypoglycaemia_level1"),
        (3.9, "normal"),
        (22.2, "diabetes_range"),
        (22.21, "critical_high"),
        (33.29, "critical_high"),
        (33.3, "hhs_range"),
    ],
)
def test_random_critical_values(value: float, band: str) -> None:
    assert _g(glucose_random=value) == band


def test_critical_thresholds_are_settings() -> None:
    assert _g(glucose_random=2.9, critical_low=2.8) == "hypoglycaemia_level1"
    assert _g(glucose_random=20.0, critical_high=19.9) == "critical_high"


def test_ketones_need_diabetes_or_hyperglycaemia() -> None:
    assert (
        "ketones_with_hyperglycaemia"
        in glycaemia(
            glucose_fasting=None, glucose_random=None, hba1c=7.0, known_diabetes=True, urine_ketones="2+"
        ).flags
    )
    assert (
        "ketones_with_hyperglycaemia"
        not in glycaemia(
            glucose_fasting=None, glucose_random=8.0, hba1c=None, known_diabetes=False, urine_ketones="3+"
        ).flags
    )
    assert (
        "ketones_with_hyperglycaemia"
        in glycaemia(
            glucose_fasting=None, glucose_random=11.1, hba1c=None, known_diabetes=None, urine_ketones="2+"
        ).flags
    )
    assert (
        "ketones_with_hyperglycaemia"
        not in glycaemia(
            glucose_fasting=None, glucose_random=15.0, hba1c=None, known_diabetes=True, urine_ketones="1+"
        ).flags
    )


def test_single_reading_is_suspected_not_diagnosed() -> None:
    r = glycaemia(glucose_fasting=7.2, glucose_random=None, hba1c=None, known_diabetes=False)
    assert r.band == "diabetes_range" and "suspected" in r.detail


def test_no_glucose_is_missing() -> None:
    r = glycaemia(glucose_fasting=None, glucose_random=None, hba1c=None, known_diabetes=None)
    assert r.band is None and not r.complete and "hba1c" in r.missing


@pytest.mark.parametrize(
    ("spo2", "band"),
    [(91, "critical"), (92, "low"), (93, "low"), (94, "borderline"), (95, "borderline"), (96, "normal")],
)
def test_oximetry_scale1(spo2: float, band: str) -> None:
    assert oximetry(spo2=spo2, on_oxygen=False, scale2=False).band == band


@pytest.mark.parametrize(
    ("spo2", "o2", "band"),
    [
        (83, False, "critical"),
        (84, False, "low"),
        (87, False, "low"),
        (88, False, "target"),
        (92, True, "target"),
        (93, False, "normal"),
        (93, True, "above_target"),
        (96, True, "above_target"),
        (97, True, "critical_high"),
    ],
)
def test_oximetry_scale2(spo2: float, o2: bool, band: str) -> None:
    r = oximetry(spo2=spo2, on_oxygen=o2, scale2=True)
    assert r.band == band
    assert ("spo2_critical" in r.flags) is band.startswith("critical")


@pytest.mark.parametrize("spo2", [93.0, 95.0, 97.0, 100.0])
def test_oximetry_scale2_unknown_oxygen_is_not_classified(spo2: float) -> None:
    """93 % or more on scale 2 is normal on air but 1-3 NEWS2 points on oxygen: with air or oxygen
    unknown it has no band - it was "normal", which read as reassuring at 97 % (critical on oxygen)."""
    r = oximetry(spo2=spo2, on_oxygen=None, scale2=True)
    assert r.missing == ("supplemental_o2",) and not r.complete
    assert (r.band, r.value, r.flags) == (None, spo2, ())
    assert r.detail == "not classified: no air or oxygen record (scale 2, SpO2 93 % or more)"


@pytest.mark.parametrize(
    ("spo2", "band"), [(83.0, "critical"), (87.0, "low"), (88.0, "target"), (92.0, "target")]
)
def test_oximetry_scale2_below_93_needs_no_oxygen_record(spo2: float, band: str) -> None:
    assert oximetry(spo2=spo2, on_oxygen=None, scale2=True).band == band


def test_ketones_with_unknown_diabetes_report_it_missing() -> None:
    r = glycaemia(
        glucose_fasting=None, glucose_random=8.0, hba1c=None, known_diabetes=None, urine_ketones="2+"
    )
    assert r.missing == ("diabetes",) and not r.complete
    assert "ketones_with_hyperglycaemia" not in r.flags


@pytest.mark.parametrize(
    ("mgdl", "cat"),
    [
        (53, "hypoglycaemia_level2"),
        (54, "hypoglycaemia_level1"),
        (69, "hypoglycaemia_level1"),
        (70, "normal"),
        (99, "normal"),
        (100, "ifg_ada"),
        (109, "ifg_ada"),
        (110, "ifg_who_china"),
        (125, "ifg_who_china"),
        (126, "diabetes_range"),
    ],
)
def test_fasting_cut_points_in_mg_dl(mgdl: float, cat: str) -> None:
    from triage.units import glucose_mgdl_to_mmol

    assert fasting_category(glucose_mgdl_to_mmol(mgdl), mgdl) == cat


@pytest.mark.parametrize(("mgdl", "cat"), [(199, "normal"), (200, "diabetes_range")])
def test_random_cut_points_in_mg_dl(mgdl: float, cat: str) -> None:
    from triage.units import glucose_mgdl_to_mmol

    assert random_category(glucose_mgdl_to_mmol(mgdl), mgdl) == cat


def test_mg_dl_readings_classify_as_printed_through_assess() -> None:
    from tests.triage.conftest import NOW, ob
    from triage.assess import assess
    from triage.patient import PatientContext
    from triage.policy import load_policy

    policy = load_policy()
    p = PatientContext(age=50, sex="female", diabetes=False)
    fpg = assess(p, [ob("glucose_fasting", 126, "mg/dL")], policy, now=NOW)
    assert fpg.scores["glycaemia"].components["glucose_fasting"] == "diabetes_range"
    assert (
        fpg.observations_used[0].reported_value == 126 and fpg.observations_used[0].reported_unit == "mg/dL"
    )
    hi = assess(p, [ob("glucose_random", 600, "mg/dL")], policy, now=NOW)
    assert "glucose_hhs_range" in hi.red_flags
    below = assess(p, [ob("glucose_random", 599, "mg/dL")], policy, now=NOW)
    assert "glucose_hhs_range" not in below.red_flags
    hypo = assess(p, [ob("glucose_random", 70, "mg/dL")], policy, now=NOW)
    assert "hypoglycaemia_level1" not in {r.rule for r in hypo.reasons}
    hypo = assess(p, [ob("glucose_random", 69, "mg/dL")], policy, now=NOW)
    assert "hypoglycaemia_level1" in {r.rule for r in hypo.reasons}
    censored = assess(p, [ob("glucose_random", ">600", "mg/dL")], policy, now=NOW)
    assert "glucose_hhs_range" in censored.red_flags


def _random_mgdl(mgdl: float, **kw: float) -> str | None:
    from triage.units import glucose_mgdl_to_mmol

    return _g(glucose_random=glucose_mgdl_to_mmol(mgdl), glucose_random_mgdl=mgdl, **kw)


@pytest.mark.parametrize(
    ("mgdl", "band"),
    [
        # the default critical low 3.0 mmol/L is ADA's "<54 mg/dL (3.0 mmol/L)": 54 is level 1 as 3.0 is
        (53, "critical_low"),
        (54, "hypoglycaemia_level1"),
        # the default critical high 22.2 has no published mg/dL member: compared in mmol/L
        (399, "diabetes_range"),  # 22.147 mmol/L
        (400, "critical_high"),  # 22.2025 mmol/L
        (599, "critical_high"),
        (600, "hhs_range"),
    ],
)
def test_critical_values_in_mg_dl(mgdl: float, band: str) -> None:
    assert _random_mgdl(mgdl) == band


def test_a_critical_setting_on_a_published_pair_is_compared_as_printed() -> None:
    # 3.9 mmol/L = 70 mg/dL (ADA level 1): 70 mg/dL (3.885 mmol/L) is not below it
    assert _random_mgdl(70, critical_low=3.9) == "normal"
    assert _random_mgdl(69, critical_low=3.9) == "critical_low"
    # 11.1 = 200 mg/dL: 200 (11.101 mmol/L) is not above it
    assert _random_mgdl(200, critical_high=11.1) == "diabetes_range"
    assert _random_mgdl(201, critical_high=11.1) == "critical_high"
    # a setting that is no published value is compared in mmol/L: 2.8 = 50.4 mg/dL
    assert _random_mgdl(50, critical_low=2.8) == "critical_low"
    assert _random_mgdl(51, critical_low=2.8) == "hypoglycaemia_level1"


@pytest.mark.parametrize(("mgdl", "fires"), [(199, False), (200, True)])
def test_ketones_with_glucose_in_mg_dl(mgdl: float, fires: bool) -> None:
    from triage.units import glucose_mgdl_to_mmol

    r = glycaemia(
        glucose_fasting=None,
        glucose_random=glucose_mgdl_to_mmol(mgdl),
        hba1c=None,
        known_diabetes=False,
        urine_ketones="2+",
        glucose_random_mgdl=mgdl,
    )
    assert ("ketones_with_hyperglycaemia" in r.flags) is fires


@pytest.mark.parametrize(
    ("mgdl", "red_flag", "rule"),
    [(53, True, "glucose_critical_low"), (54, False, "hypoglycaemia_level1")],
)
def test_critical_low_in_mg_dl_through_assess(mgdl: float, red_flag: bool, rule: str) -> None:
    from tests.triage.conftest import NOW, ob
    from triage.assess import assess
    from triage.patient import PatientContext
    from triage.policy import load_policy

    a = assess(PatientContext(age=50), [ob("glucose_random", mgdl, "mg/dL")], load_policy(), now=NOW)
    assert ("glucose_critical_low" in a.red_flags) is red_flag
    assert rule in {r.rule for r in a.reasons}


@pytest.mark.parametrize(
    ("ifcc", "band"),
    [(38, "normal"), (39, "prediabetes_range"), (47, "prediabetes_range"), (48, "diabetes_range")],
)
def test_hba1c_cut_points_in_mmol_per_mol(ifcc: float, band: str) -> None:
    """ADA's pairs 5.7 % (39 mmol/mol) and 6.5 % (48): a reading in mmol/mol on either side."""
    from tests.triage.conftest import NOW, ob
    from triage.assess import assess
    from triage.patient import PatientContext
    from triage.policy import load_policy

    a = assess(PatientContext(age=50), [ob("hba1c", ifcc, "mmol/mol")], load_policy(), now=NOW)
    assert a.scores["glycaemia"].components["hba1c"] == band


@pytest.mark.parametrize(
    ("value", "unit", "red_flag"),
    [
        ("<3.0", None, "glucose_critical_low"),  # below every threshold at or above 3.0
        ("<54", "mg/dL", "glucose_critical_low"),  # the same, through the mg/dL member of the pair
        (">22.2", None, "glucose_critical_high"),
        (">33.3", None, "glucose_hhs_range"),
    ],
)
def test_censored_readings_on_a_cut_point_fire_it(value: str, unit: str | None, red_flag: str) -> None:
    from tests.triage.conftest import NOW, ob
    from triage.assess import assess
    from triage.patient import PatientContext
    from triage.policy import load_policy

    a = assess(PatientContext(age=50), [ob("glucose_random", value, unit)], load_policy(), now=NOW)
    assert red_flag in a.red_flags
