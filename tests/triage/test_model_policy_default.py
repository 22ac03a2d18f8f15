"""The built-in policy keeps the teaching-data ckd and diabetes models at local care: they are
scored and shown, but a known hypertensive or diabetic with normal kidney values is no longer a
routine referral on the ckd model alone (its 0.997 AUROC is leakage and spectrum bias: known
hypertension or diabetes alone puts normal kidney values in its high band), and a woman's
non-diagnostic random glucose is no longer a referral on the diabetes model alone. The published
rules still route: KDIGO on eGFR and ACR, the glucose and HbA1c rules. A clinic may set either
model's level back (``[models.ckd] level = "routine_referral"``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping

riskmodels = pytest.importorskip(
    "triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present"
)

KIDNEY_STAGE_DECIDES = "the published kidney stage (KDIGO: eGFR and ACR) decides a kidney referral"


@pytest.fixture(scope="module")
def models() -> object:
    return riskmodels.load_models()


def normal_kidney(**extra: float | str) -> list[Observation]:
    """Normal vital signs, 128/80 mm Hg, total cholesterol 5.0 mmol/L, random glucose 5.5 mmol/L,
    creatinine 80 umol/L, dipstick protein negative, haemoglobin 135 g/L, specific gravity 1.020."""
    obs = [o for o in normal_vitals() if o.code not in ("sbp", "dbp")]
    values: dict[str, float | str] = {
        "sbp": 128.0,
        "dbp": 80.0,
        "total_cholesterol": 5.0,
        "glucose_random": 5.5,
        "creatinine": 80.0,
        "urine_protein": "neg",
        "hemoglobin": 135.0,
        "urine_sg": 1.020,
        **extra,
    }
    return obs + [ob(code, value) for code, value in values.items()]


def adult(
    sex: str = "female", *, hypertension: bool = False, diabetes: bool = False, age: int = 55
) -> PatientContext:
    return PatientContext(
        age=age,
        sex=sex,
        current_smoker=False,
        hypertension=hypertension,
        on_antihypertensives=hypertension,
        diabetes=diabetes,
    )


def ckd_of(a: Assessment) -> tuple[object, object]:
    result = next(m for m in a.models if m.model == "ckd")
    reason = next((r for r in a.reasons if r.rule == "model:ckd"), None)
    return result, reason


@pytest.mark.parametrize(
    ("patient", "extra"),
    [
        (adult("male", hypertension=True), {}),
        (adult("female", hypertension=True), {}),
        (adult("female", diabetes=True), {"glucose_random": 7.5, "hba1c": 7.0}),
        (adult("female", hypertension=True, diabetes=True), {"glucose_random": 7.5, "hba1c": 7.0}),
    ],
    ids=["hypertensive man", "hypertensive woman", "diabetic woman HbA1c 7.0", "both"],
)
def test_known_hypertension_or_diabetes_with_normal_kidney_values_is_local_care(
    patient: PatientContext, extra: dict[str, float | str], models: object
) -> None:
    """Under the old default (ckd at models.default_level) each was a routine referral on the ckd
    model alone: 0.61 with hypertension, 0.68 with diabetes, 0.95 with both (ckd 1.0.0; 1.1.0,
    re-trained on adults: 0.58, 0.79, 0.95)."""
    a = assess(patient, normal_kidney(**extra), load_policy(), models=models, now=NOW)
    assert a.disposition is Disposition.local_care, [(r.rule, r.level) for r in a.reasons]
    assert a.model_level is Disposition.local_care
    assert a.scores["kidney"].band in ("G1", "G2")  # KDIGO: no reduced eGFR
    result, reason = ckd_of(a)
    # still scored and shown, with its band, at local care
    assert result.probability is not None and result.probability >= 0.5 and result.band == "high"  # type: ignore[attr-defined]
    assert result.above_threshold and result.level is Disposition.local_care  # type: ignore[attr-defined]
    assert reason is not None and reason.level is Disposition.local_care  # type: ignore[attr-defined]
    detail = reason.detail  # type: ignore[attr-defined]
    assert KIDNEY_STAGE_DECIDES in detail
    assert "teaching data - not for clinical use" in detail


def test_egfr_below_30_still_gets_the_kdigo_referral(models: object) -> None:
    a = assess(
        adult("male", hypertension=True),
        normal_kidney(creatinine=250.0, egfr=25.0),
        load_policy(),
        models=models,
        now=NOW,
    )
    assert a.disposition is Disposition.urgent_referral and "egfr_below_30" in a.red_flags
    result, reason = ckd_of(a)
    assert result.probability is not None and reason is not None  # type: ignore[attr-defined]
    assert reason.level is Disposition.local_care  # type: ignore[attr-defined]


def test_a_clinic_policy_can_set_the_ckd_model_back_to_a_referral(models: object) -> None:
    clinic = policy_from_mapping({"models": {"ckd": {"level": "routine_referral"}}}, where="clinic.toml")
    a = assess(adult("male", hypertension=True), normal_kidney(), clinic, models=models, now=NOW)
    assert a.disposition is Disposition.routine_referral and a.model_level is Disposition.routine_referral
    result, reason = ckd_of(a)
    assert result.level is Disposition.routine_referral  # type: ignore[attr-defined]
    assert reason is not None and reason.level is Disposition.routine_referral  # type: ignore[attr-defined]
    assert KIDNEY_STAGE_DECIDES not in reason.detail  # type: ignore[attr-defined]
    assert reason.detail.startswith("risk ")  # type: ignore[attr-defined]


def test_the_diabetes_model_alone_no_longer_refers_a_non_diagnostic_glucose(models: object) -> None:
    """A woman of 45, BMI 24, random glucose 9.0 mmol/L (below the diagnostic 11.1): the diabetes
    model's 0.55 made her a routine referral, where its card's own action is to order a fasting
    glucose and HbA1c, and a glucose in the diabetes range is local care ("confirm")."""
    woman = PatientContext(age=45, sex="female", diabetes=False, height_cm=160, weight_kg=24 * 1.6**2)
    obs = [*normal_vitals(), ob("glucose_random", 9.0)]
    policy: Policy = load_policy()
    a = assess(woman, obs, policy, models=models, now=NOW)
    result = next(m for m in a.models if m.model == "diabetes")
    assert result.above_threshold and result.level is Disposition.local_care
    assert a.disposition is Disposition.local_care
    reason = next(r for r in a.reasons if r.rule == "model:diabetes")
    assert "the published glucose and HbA1c rules decide" in reason.detail
    clinic = policy_from_mapping({"models": {"diabetes": {"level": "routine_referral"}}})
    assert assess(woman, obs, clinic, models=models, now=NOW).disposition is Disposition.routine_referral


def test_the_staff_page_says_in_chinese_that_the_kidney_stage_decides(models: object) -> None:
    from triage.service.pages.engine_text import EngineText

    a = assess(adult("female", hypertension=True), normal_kidney(), load_policy(), models=models, now=NOW)
    payload = json.loads(a.model_dump_json())
    reason = next(r for r in payload["reasons"] if r["rule"] == "model:ckd")
    en = EngineText("en", payload).rule_detail(reason)  # strict: raises when the catalogue lacks it
    zh = EngineText("zh", payload).rule_detail(reason)
    assert "KDIGO" in en and "local care" in en
    assert "KDIGO" in zh and "肾" in zh and "decides" not in zh and "teaching data" not in zh


def test_the_built_in_model_tables_need_no_such_model_in_a_clinic_s_own_models_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A models folder holding only cvd10: the built-in ``[models.ckd]`` and ``[models.diabetes]``
    are not the clinic's tables, so nothing is refused as 'no such risk model'."""
    import shutil

    from models import MODELS_DIR
    from tests.triage.assess_cli import run

    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR / "cvd10", folder / "cvd10")
    registry = json.loads((MODELS_DIR / "registry.json").read_text(encoding="utf-8"))
    registry["models"] = {"cvd10": registry["models"]["cvd10"]}
    (folder / "registry.json").write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(folder))
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps(
            {
                "patient": {"age": 55, "sex": "male", "hypertension": True},
                "observations": [
                    {"code": "sbp", "value": 128, "observed_at": "2026-11-25T07:50:00Z"},
                    {"code": "dbp", "value": 80, "observed_at": "2026-11-25T07:50:00Z"},
                ],
                "assessed_at": "2026-11-25T08:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "assess", str(case), "--models")
    assert code == 0, err
    assert json.loads(out)["model_versions"] == {"cvd10": "1.0.0"}


def test_docs_give_the_active_ckd_models_figures_for_normal_kidney_values(models: object) -> None:
    """docs/assessment.md quotes what the ckd model gives men and women of 55 with normal kidney
    values (creatinine 80-88 umol/L, haemoglobin 135-140 g/L) and known hypertension, diabetes or
    both, and the reason it shows: the figures of 1.0.0 stayed there when 1.1.0 became active."""
    import itertools
    from pathlib import Path

    doc = " ".join(
        (Path(__file__).resolve().parents[2] / "docs" / "assessment.md").read_text("utf-8").split()
    )
    version = models.versions["ckd"]  # type: ignore[attr-defined]
    ranges = []
    for flags, extra in (
        ({"hypertension": True}, {}),
        ({"diabetes": True}, {"glucose_random": 7.5, "hba1c": 7.0}),
        ({"hypertension": True, "diabetes": True}, {"glucose_random": 7.5, "hba1c": 7.0}),
    ):
        found = []
        for sex, creatinine, hemoglobin in itertools.product(
            ("male", "female"), (80.0, 88.0), (135.0, 140.0)
        ):
            values = normal_kidney(creatinine=creatinine, hemoglobin=hemoglobin, **extra)
            a = assess(adult(sex, **flags), values, load_policy(), models=models, now=NOW)
            found.append(ckd_of(a)[0].probability)  # type: ignore[attr-defined]
        ranges.append(f"{min(found):.2f}-{max(found):.2f}")
    assert (
        f"ckd {version} {ranges[0]} with known hypertension, {ranges[1]} with known diabetes (HbA1c 7.0 %), "
        f"{ranges[2]} with both" in doc
    )
    a = assess(adult("male", hypertension=True), normal_kidney(), load_policy(), models=models, now=NOW)
    reason = ckd_of(a)[1]
    assert reason is not None
    shown = reason.detail.split("; shown")[0]  # type: ignore[attr-defined]
    assert f"`{shown}; shown, not routed: the policy keeps this model at local care" in doc
    assert f"decides a kidney referral. ckd {version}: ...`" in doc
