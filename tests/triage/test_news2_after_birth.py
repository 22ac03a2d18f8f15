"""NEWS2 says where it applies: not under 16, not in pregnancy (RCP 2017: not applicable, no points),
and after birth computed but not validated.

RCP 2017 leaves pregnancy out of NEWS2 (physiology differs: a maternity early warning score, MEWS/
MEOWS, is used), and the maternity scores cover the postnatal weeks too (Gerry S et al. BMJ Medicine
2024;3:e000748: the national MEWS derived from antenatal and postnatal vital signs); the RCP report
does not name the weeks after birth. So after birth (``patient.postpartum``) the score is not
refused - refusing it would drop the NEWS2 red flags of a septic or bleeding mother - but it was
shown as for anyone, silently; now its detail ends with the limitation
(``triage.phrases.NEWS2_AFTER_BIRTH``, flag ``not_validated_after_birth``), in both languages on the
staff pages and beside the band in ``--table``. No decision changes: each NEWS2 cut-point (0/1 with
a red score, 4/5, 6/7) fires the same rules after birth as without it, built-in and clinic policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage import phrases
from triage.assess import assess
from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.scores.news2 import news2
from triage.service.pages.engine_text import EngineText

CAVEAT = "; after birth (within 6 weeks) NEWS2 is not validated either"
CAVEAT_REST = phrases.NEWS2_AFTER_BIRTH.template.removeprefix(CAVEAT[2:])
POLICIES = {
    "built-in": load_policy(),
    "clinic": policy_from_mapping({"rules": {"news2_low_elevated": {"level": "routine_referral"}}}),
}
VITALS = {
    "resp_rate": 16.0,
    "spo2": 98.0,
    "on_oxygen": False,
    "sbp": 124.0,
    "heart_rate": 72.0,
    "consciousness": "A",
    "temperature": 36.8,
}


@pytest.mark.parametrize("postpartum", [True, False, None])
def test_after_birth_the_score_is_kept_and_says_it_is_not_validated(postpartum: bool | None) -> None:
    score = news2(**VITALS, age=29, postpartum=postpartum)  # type: ignore[arg-type]
    plain = news2(**VITALS, age=29)  # type: ignore[arg-type]
    assert score.applicable and score.value == plain.value == 0 and score.band == plain.band == "low"
    assert (CAVEAT in score.detail) is (postpartum is True), score.detail
    assert ("not_validated_after_birth" in score.flags) is (postpartum is True)
    assert score.detail.startswith(plain.detail)


def test_in_pregnancy_and_under_16_it_is_not_applicable_with_the_reason() -> None:
    pregnant = news2(**VITALS, age=29, pregnant=True)  # type: ignore[arg-type]
    child = news2(**VITALS, age=15)  # type: ignore[arg-type]
    assert not pregnant.applicable and pregnant.value is None and "not used in pregnancy" in pregnant.detail
    assert not child.applicable and child.value is None and "not used under 16" in child.detail


def _vitals(**changed: float | str) -> list[Observation]:
    kept = [o for o in normal_vitals() if o.code not in changed]
    return kept + [ob(code, value) for code, value in changed.items()]


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize(
    "changed",
    [
        {},  # 0
        {"heart_rate": 95.0},  # 1
        {"heart_rate": 131.0},  # 3: a red score
        {"resp_rate": 25.0, "heart_rate": 95.0},  # 4
        {"resp_rate": 25.0, "heart_rate": 111.0},  # 5
        {"resp_rate": 25.0, "heart_rate": 111.0, "temperature": 38.5},  # 6
        {"resp_rate": 25.0, "heart_rate": 111.0, "temperature": 39.5},  # 7
    ],
)
def test_every_news2_cut_point_fires_the_same_rules_after_birth(
    policy: Policy, changed: dict[str, float]
) -> None:
    decided = {
        p: assess(
            PatientContext(age=29, sex="female", pregnant=False, postpartum=p),
            _vitals(**changed),
            policy,
            now=NOW,
        )
        for p in (True, False)
    }
    rules = {p: [r.rule for r in a.reasons] for p, a in decided.items()}
    assert rules[True] == rules[False]
    assert decided[True].disposition is decided[False].disposition
    assert decided[True].scores["news2"].value == decided[False].scores["news2"].value
    assert CAVEAT in decided[True].scores["news2"].detail


@pytest.mark.parametrize(
    ("language", "said"), [("en", CAVEAT[2:]), ("zh", "产后（6 周内）NEWS2 同样未经验证")]
)
def test_the_staff_pages_say_it_in_both_languages(language: str, said: str) -> None:
    score = json.loads(news2(**{**VITALS, "heart_rate": 95.0}, age=29, postpartum=True).model_dump_json())  # type: ignore[arg-type]
    shown = EngineText(language, {}).score_detail("news2", score)
    assert said in shown, shown
    if language == "zh":
        assert "birth" not in shown and "validated" not in shown, shown
    else:
        assert shown == score["detail"]


def test_triage_assess_table_says_it_beside_the_band(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli import main

    at = "2026-11-25T07:50:00Z"
    path = tmp_path / "case.json"
    document = {
        "patient": {"age": 29, "sex": "female", "postpartum": True},
        "observations": [
            {"code": code, "value": value, "observed_at": at}
            for code, value in (("resp_rate", 16), ("spo2", 98), ("heart_rate", 95), ("temperature", 36.8))
        ],
        "assessed_at": "2026-11-25T08:00:00Z",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["assess", str(path), "--no-models", "--table"]) == 0
    (line,) = [row for row in capsys.readouterr().out.splitlines() if row.lstrip().startswith("news2")]
    assert f"({CAVEAT[2:]}" in line, line


@pytest.mark.parametrize(
    ("changed", "deferred_to"),
    [
        ({"heart_rate": 131.0}, None),  # a red score of 3: the red-score reason's own action
        # 3 + 2 + 2 = 7 with a red respiration rate: supporting evidence for news2_emergency
        ({"resp_rate": 25.0, "heart_rate": 111.0, "temperature": 39.5}, "news2_emergency"),
    ],
)
def test_the_red_score_reason_says_it_too_and_refers_as_before(
    changed: dict[str, float], deferred_to: str | None
) -> None:
    """The red-score reason names its parameter, not the score's detail, so it said nothing of the
    limitation the score and every other NEWS2 reason carry after birth; its level is unchanged."""
    reasons = {}
    for postpartum in (True, False):
        patient = PatientContext(age=29, sex="female", pregnant=False, postpartum=postpartum)
        decided = assess(patient, _vitals(**changed), POLICIES["built-in"], now=NOW)
        (reasons[postpartum],) = [r for r in decided.reasons if r.rule == "news2_red_parameter"]
    assert (CAVEAT in reasons[True].detail) and CAVEAT not in reasons[False].detail, reasons[True].detail
    assert reasons[True].level is reasons[False].level is Disposition.urgent_referral
    assert reasons[True].values.get("deferred_to") == reasons[False].values.get("deferred_to") == deferred_to
    # said once, before when the readings were taken, and the rest as without it
    assert reasons[True].detail.count(CAVEAT) == 1
    assert reasons[True].detail.replace(CAVEAT + CAVEAT_REST, "") == reasons[False].detail
