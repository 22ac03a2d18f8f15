"""A urine albumin/creatinine ratio reported in mg/mmol (the unit of Europe, Australia and many
laboratories in China) is taken in mg/mmol and converted exactly, 1 mg/mmol = 8.84 mg/g (creatinine
113.12 g/mol) - it was refused, and staff retyped 3 mg/mmol as "3 mg/g", A1 where it is A2. KDIGO
prints its albuminuria categories in both units as pairs that are not exact conversions (A1 <3
mg/mmol / <30 mg/g, A2 3-30 / 30-300, A3 >30 / >300; 3 mg/mmol is 26.5 mg/g), so a reading is staged
on the member of its own unit: each cut-point on both sides in both units, through the engine and
through `triage assess` reading a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.units import to_canonical

# (value, unit, KDIGO category, albuminuria referral): each cut-point and its neighbours as reported
CUT_POINTS = [
    (29.9, "mg/g", "A1", False),
    (30, "mg/g", "A2", True),
    (300, "mg/g", "A2", True),
    (300.1, "mg/g", "A3", True),
    (2.9, "mg/mmol", "A1", False),
    (3, "mg/mmol", "A2", True),
    (30, "mg/mmol", "A2", True),
    (30.1, "mg/mmol", "A3", True),
]


def test_one_mg_per_mmol_is_8_84_mg_per_g() -> None:
    assert to_canonical("albumin_creatinine_ratio", 1, "mg/mmol") == pytest.approx(8.84, abs=5e-4)
    assert to_canonical("albumin_creatinine_ratio", 3, "mg/mmol") == pytest.approx(26.52, abs=0.01)
    reading = ob("albumin_creatinine_ratio", 3, "mg/mmol")
    assert reading.unit == "mg/g" and reading.reported_unit == "mg/mmol" and reading.reported_value == 3
    assert reading.display_value() == "26.5 mg/g (reported 3 mg/mmol)"


@pytest.mark.parametrize(("value", "unit", "category", "refers"), CUT_POINTS)
def test_kdigo_cut_points_in_either_unit(value: float, unit: str, category: str, refers: bool) -> None:
    a = assess(
        PatientContext(age=60, sex="male"),
        [ob("albumin_creatinine_ratio", value, unit)],
        load_policy(None),
        now=NOW,
    )
    kidney = a.scores["kidney"]
    assert kidney.components["albuminuria"] == category
    assert (f"({category})") in kidney.detail
    if unit == "mg/mmol":
        assert kidney.detail.startswith(f"ACR {value:g} mg/mmol = "), kidney.detail
    fired = [r for r in a.reasons if r.rule == "albuminuria"]
    assert bool(fired) is refers
    if refers:
        assert f"ACR {value:g} {unit}" in fired[0].detail


def test_a_censored_ratio_in_mg_per_mmol_keeps_its_comparator() -> None:
    a = assess(
        PatientContext(), [ob("albumin_creatinine_ratio", ">30", "mg/mmol")], load_policy(None), now=NOW
    )
    assert a.scores["kidney"].components["albuminuria"] == "A3"
    assert a.scores["kidney"].detail.startswith("ACR >30 mg/mmol = ")


@pytest.mark.parametrize(("value", "unit", "category", "refers"), CUT_POINTS[4:6])
def test_triage_assess_reads_mg_per_mmol_from_its_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: float, unit: str, category: str, refers: bool
) -> None:
    case = tmp_path / "case.json"
    reading = {
        "code": "albumin_creatinine_ratio",
        "value": value,
        "unit": unit,
        "observed_at": NOW.isoformat(),
    }
    case.write_text(json.dumps({"assessed_at": NOW.isoformat(), "observations": [reading]}), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(case), "--no-models")
    assert code == 0, err
    assessment = json.loads(out)
    assert assessment["scores"]["kidney"]["components"]["albuminuria"] == category
    assert ("albuminuria" in [r["rule"] for r in assessment["reasons"]]) is refers


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_staff_pages_say_the_ratio_as_reported_with_its_stage(language: str) -> None:
    """The reason and the score on the staff pages (en, zh): 3 mg/mmol with its mg/g and A2, not
    "ACR 26.5 mg/g (A2)", which reads as a stage the mg/g cut-point does not give."""
    from tests.service.test_engine_text import _payload
    from tests.triage.test_rules import ALL_ON
    from triage.service.pages.engine_text import EngineText

    payload = _payload(
        PatientContext(age=60, sex="male"), [ob("albumin_creatinine_ratio", 3, "mg/mmol")], ALL_ON
    )
    page = EngineText(language, payload)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "albuminuria"]
    shown = page.detail(reason)
    assert "3 mg/mmol = 26.5 mg/g" in shown and "A2" in shown, shown
    score = page.score_detail("kidney", payload["scores"]["kidney"])
    assert "3 mg/mmol = 26.5 mg/g" in score and "A2" in score, score
    if language == "zh":
        assert "白蛋白尿分期 A2" in shown + score


def test_the_api_takes_mg_per_mmol_and_refuses_a_ratio_without_its_unit() -> None:
    """The API's reading (``ObservationEntry``, as POST /api/v1/assessments validates it): with
    ``"unit": "mg/mmol"`` converted; without a unit, 3 is as plausible in mg/mmol as in mg/g (A2 or
    A1), so it is refused naming its unit - it is not guessed (docs/service.md)."""
    from triage.errors import UserInputError
    from triage.service.api.clinical_bodies import ObservationEntry

    entry = {"code": "albumin_creatinine_ratio", "value": 3, "observed_at": NOW.isoformat()}
    given = ObservationEntry.model_validate(entry | {"unit": "mg/mmol"}).to_observation("observations[0]")
    assert given.reported_unit == "mg/mmol" and given.value == pytest.approx(26.52, abs=0.01)
    with pytest.raises(UserInputError) as refused:
        ObservationEntry.model_validate(entry).to_observation("observations[0]")
    assert str(refused.value).startswith(
        "observations[0].unit: albumin_creatinine_ratio 3 was sent without a unit"
    )
    assert "3 mg/mmol (26.5 mg/g)" in str(refused.value), refused.value


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Urine ACR ≥30 mg/g (≥3 mg/mmol)"), ("zh", "尿白蛋白/肌酐比 ≥30 mg/g（≥3 mg/mmol）")],
)
def test_the_rule_names_its_cut_point_in_both_units(language: str, label: str) -> None:
    """Beside 'ACR 3 mg/mmol = 26.5 mg/g (A2)' the rule's label said '>=30 mg/g' alone."""
    from triage.rules import RULES
    from triage.service.pages.rendering import measures, rule_label

    assert rule_label(language, "albuminuria") == label
    # each cut-point stays on one line with its unit on the pages (pages.rendering.measures)
    assert '<span class="with-unit">≥3 mg/mmol</span>' in measures(
        rule_label(language, "albuminuria"), language
    )
    assert (
        next(r for r in RULES if r.name == "albuminuria").description == "Urine ACR >=30 mg/g (>=3 mg/mmol)"
    )
