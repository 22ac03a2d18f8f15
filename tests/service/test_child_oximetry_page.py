"""The patient page says a child's SpO2 one way: the scores table as the reason beside it.

A 4-year-old's SpO2 of 91 % read "SpO2 91 % in a child (under 16: NEWS2's SpO2 scales are for
adults): below 92 %: refer urgently ..." in the reasons but "SpO2 91 % on scale 1: critical" in the
scores table below, and the reason's name ("SpO2 critical (scale 1 <=91 %; scale 2 ...)") did not
say a child is read otherwise. Through the real app on a real SQLite file, in English and Chinese;
a 40-year-old's page keeps scale 1. A child's 95 % reached no rule (local care in 30 days) and the
scores table said "94 % or more": it now says "94-95 %" and ``spo2_borderline_child`` beside it."""

from __future__ import annotations

import html
import re

import pytest

from tests.service.conftest import Staff, unspanned
from triage.service.auth import Role

CHILD_EN = "in a child (under 16: NEWS2's SpO2 scales are for adults)"
CHILD_ZH = "（儿童，16 岁以下：NEWS2 的 SpO2 量表用于成人）"


def _between(page: str, start: str, end: str) -> str:
    at = page.index(start) + len(start)
    return page[at : page.index(end, at)]


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _score_detail(page: str) -> str:
    return _text(_between(page, '<tr class="score-detail" data-detail-of="oximetry" role="row">', "</tr>"))


@pytest.mark.parametrize(
    ("spo2", "rule", "en", "zh", "named_en", "named_zh"),
    [
        (
            91,
            "spo2_critical",
            "below 92 %",
            "低于 92 %",
            "SpO2 critical (scale 1 ≤91 %; a child under 16 (NICE NG9 2021): below 92 %;",
            "血氧饱和度危急（量表 1 ≤91%；16 岁以下儿童（英国国家卫生与临床优化研究所毛细支气管炎指南 2021）：低于 92%；",
        ),
        (
            93,
            "spo2_low",
            "92-93 %",
            "92-93 %",
            "SpO2 low (scale 1 92-93 %; a child under 16 (NICE NG9 2021): 92-93 %;",
            "血氧饱和度偏低（量表 1 92-93%；16 岁以下儿童（英国国家卫生与临床优化研究所毛细支气管炎指南 2021）：92-93%；",
        ),
        (
            95,
            "spo2_borderline_child",
            "94-95 %",
            "94-95 %",
            "SpO2 94-95 % in a child under 16 (NICE NG143: amber): a clinician assesses the child now;",
            "16 岁以下儿童血氧饱和度 94-95%（英国国家卫生与临床优化研究所 5 岁以下儿童发热指南：琥珀色）：医生立即评估患儿；",
        ),
    ],
)
def test_a_childs_page_says_the_spo2_as_a_childs_in_the_scores_and_the_reasons_name(
    staff: Staff, spo2: int, rule: str, en: str, zh: str, named_en: str, named_zh: str
) -> None:
    made = {}
    for mrn, age in (("SPO2-CHILD", 4), ("SPO2-ADULT", 40)):
        body = {
            "patient": {"mrn": mrn, "sex": "female"},
            "age_years": age,
            "observations": [
                {"code": "spo2", "value": spo2, "unit": "%"},
                {"code": "supplemental_o2", "value": "air"},
            ],
        }
        answer = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
        assert answer.status_code == 201, answer.text
        made[age] = answer.json()["encounter_id"]
    csrf = staff.login(Role.clinician)
    for language, said, named, child, scale_1 in (
        ("en", f"SpO2 {spo2} % {CHILD_EN}: {en}", named_en, CHILD_EN, "on scale 1"),
        ("zh", f"血氧饱和度 {spo2} %{CHILD_ZH}：{zh}", named_zh, CHILD_ZH, "量表 1"),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        page = unspanned(staff.client.get(f"/encounters/{made[4]}").text)
        assert _score_detail(page) == said, (language, _score_detail(page))
        reason = _text(_between(page, f'<strong data-rule="{rule}">', "</li>"))
        assert reason.startswith(named) and said in reason, (language, reason)
        adult = _score_detail(unspanned(staff.client.get(f"/encounters/{made[40]}").text))
        assert scale_1 in adult and child not in adult, (language, adult)
