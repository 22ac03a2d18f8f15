"""Kidney's differing eGFR estimates on the Chinese staff page: each estimate named in Chinese
("实验室报告 25、按肌酐以 CKD-EPI 2021 公式计算 30"), not the engine's English names."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import ob
from tests.triage.test_rules import ALL_ON
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


@pytest.mark.parametrize(
    ("patient", "readings", "named"),
    [
        # a man of 55, creatinine 220: CKD-EPI 2021 30 (G3b); the laboratory says 25 (G4)
        (
            {"age": 55, "sex": "male"},
            [ob("creatinine", 220), ob("egfr", 25)],
            "实验室报告 25、按肌酐以 CKD-EPI 2021 公式计算 30",
        ),
        # sex not recorded: CKD-EPI for either sex; with an ACR (the eGFR and ACR phrasing)
        (
            {"age": 60},
            [ob("creatinine", 300), ob("albumin_creatinine_ratio", 45)],
            "若为女性按肌酐以 CKD-EPI 2021 公式计算 15、若为男性按肌酐以 CKD-EPI 2021 公式计算 20",
        ),
        # G2 unstaged (no ACR), three estimates
        (
            {"age": 60},
            [ob("creatinine", 60), ob("egfr", 70)],
            "实验室报告 70、若为女性按肌酐以 CKD-EPI 2021 公式计算 100、若为男性按肌酐以 CKD-EPI 2021 公式计算 106",
        ),
    ],
)
def test_differing_egfr_estimates_are_named_in_chinese(
    patient: dict[str, object], readings: list[object], named: str
) -> None:
    payload = _payload(PatientContext(**patient), readings, ALL_ON)  # type: ignore[arg-type]
    score = payload["scores"]["kidney"]
    assert "eGFR estimates differ" in score["detail"], score["detail"]  # the engine's English record
    zh = EngineText("zh", payload)
    shown = zh.score_detail("kidney", score)
    assert f"多个 eGFR 估算值不一致（{named}）" in shown, shown
    for text in (shown, *(zh.detail(reason) for reason in payload["reasons"])):
        assert not english_left(text), text
    # the English page keeps the engine's names
    assert EngineText("en", payload).score_detail("kidney", score) == score["detail"]
