"""The eGFR of a pregnant woman says that no creatinine equation is validated in pregnancy.

The GFR rises by about half in pregnancy and creatinine falls (Smith MC et al. BJOG 2008;115:109;
pregnancy reduces the accuracy of the creatinine equations: Koetje PM et al. Reprod Sci 2011;18:456),
and CKD-EPI 2021 (Inker 2021) was derived outside pregnancy: a normal-looking eGFR can hide a
creatinine raised for pregnancy. The score was computed and shown as for anyone, silently; now its
detail ends with that limitation (``triage.phrases.KIDNEY_PREGNANCY``, flag
``not_validated_in_pregnancy``), in both languages on the staff pages and beside the band in
``--table``. Nothing is refused and no decision changes: an eGFR below 30 or 60 still refers her,
on both sides of each cut-point and under the built-in and a clinic policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.scores.kidney import kidney
from triage.service.pages.engine_text import EngineText

CAVEAT = "; in pregnancy no creatinine equation is validated, CKD-EPI 2021 included"
POLICIES = {
    "built-in": load_policy(),
    "clinic": policy_from_mapping({"rules": {"egfr_30_59": {"level": "urgent_referral"}}}),
}


def _woman(pregnant: bool | None) -> PatientContext:
    return PatientContext(age=30, sex="female", pregnant=pregnant)


@pytest.mark.parametrize("pregnant", [True, False, None])
def test_the_egfr_from_creatinine_says_it_is_not_validated_in_pregnancy_only_for_her(
    pregnant: bool | None,
) -> None:
    score = kidney(creatinine=60.0, egfr_measured=None, acr=None, age=30, sex="female", pregnant=pregnant)
    plain = kidney(creatinine=60.0, egfr_measured=None, acr=None, age=30, sex="female")
    assert score.value == plain.value and score.band == plain.band == "G1"
    assert (CAVEAT in score.detail) is (pregnant is True), score.detail
    assert ("not_validated_in_pregnancy" in score.flags) is (pregnant is True)
    assert score.detail.startswith(plain.detail)


def test_a_laboratory_egfr_says_it_too_and_an_acr_alone_does_not() -> None:
    reported = kidney(creatinine=None, egfr_measured=95.0, acr=10.0, age=30, sex="female", pregnant=True)
    assert reported.detail.endswith(
        CAVEAT + " - the GFR rises by about half in pregnancy and creatinine falls,"
        " so an eGFR in the normal range does not exclude kidney disease: read her creatinine against"
        " pregnancy ranges"
    )
    acr_only = kidney(creatinine=None, egfr_measured=None, acr=40.0, age=30, sex="female", pregnant=True)
    assert CAVEAT not in acr_only.detail and "not_validated_in_pregnancy" not in acr_only.flags


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize(
    ("egfr", "rule"), [(29.0, "egfr_below_30"), (30.0, "egfr_30_59"), (59.0, "egfr_30_59"), (60.0, None)]
)
def test_every_kidney_cut_point_still_refers_her_as_anyone(
    policy: Policy, egfr: float, rule: str | None
) -> None:
    decided = {p: assess(_woman(p), [ob("egfr", egfr)], policy, now=NOW) for p in (True, False)}
    fired = {p: [r.rule for r in a.reasons if r.rule.startswith("egfr")] for p, a in decided.items()}
    assert fired[True] == fired[False] == ([] if rule is None else [rule])
    assert decided[True].disposition is decided[False].disposition
    assert (
        CAVEAT in decided[True].scores["kidney"].detail
        and CAVEAT not in decided[False].scores["kidney"].detail
    )


@pytest.mark.parametrize(
    ("language", "said"), [("en", CAVEAT[2:]), ("zh", "妊娠期没有经过验证的肌酐估算公式")]
)
def test_the_staff_pages_say_it_in_both_languages(language: str, said: str) -> None:
    score = json.loads(
        kidney(
            creatinine=60.0, egfr_measured=None, acr=40.0, age=30, sex="female", pregnant=True
        ).model_dump_json()
    )
    shown = EngineText(language, {}).score_detail("kidney", score)
    assert said in shown, shown
    if language == "zh":
        assert "pregnan" not in shown, shown
    else:
        assert shown == score["detail"]


def test_triage_assess_table_says_it_beside_the_band(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli import main

    path = tmp_path / "case.json"
    document = {
        "patient": {"age": 30, "sex": "female", "pregnant": True},
        "observations": [
            {"code": "creatinine", "value": 60, "unit": "umol/L", "observed_at": "2026-11-25T07:50:00Z"}
        ],
        "assessed_at": "2026-11-25T08:00:00Z",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["assess", str(path), "--no-models", "--table"]) == 0
    (line,) = [row for row in capsys.readouterr().out.splitlines() if row.lstrip().startswith("kidney")]
    assert "G1" in line and f"({CAVEAT[2:]}" in line, line
