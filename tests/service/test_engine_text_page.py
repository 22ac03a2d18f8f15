"""The engine's text on the staff patient page in the user's language: the Chinese page shows the
engine's reasons, scores, ignored readings and notes in Chinese (on hover the record in Chinese),
why China-PAR does not apply, and a child's (or pregnant patient's) vital signs not scored by NEWS2."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from referral.clock import MACHINE
from tests.service.conftest import Staff, unspanned
from tests.service.test_engine_text import CJK, _payload
from tests.triage.conftest import normal_vitals
from triage import phrases
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.auth import Role
from triage.service.pages.clock import clock
from triage.service.pages.engine_text import EngineText


def _walk_in(staff: Staff, mrn: str, observations: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"patient": {"mrn": mrn, "sex": "male"}, "age_years": 58, "observations": observations}
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def test_the_chinese_patient_page_shows_the_engines_text_in_chinese(staff: Staff) -> None:
    crisis = _walk_in(
        staff,
        "ZH-1",
        [{"code": "sbp", "value": 196, "unit": "mm[Hg]"}, {"code": "dbp", "value": 124, "unit": "mm[Hg]"}],
    )
    unsure = _walk_in(staff, "ZH-2", [{"code": "hemoglobin", "value": 128, "unit": "g/L"}])
    csrf = staff.login(Role.nurse)
    english = unspanned(staff.client.get(f"/encounters/{crisis['encounter_id']}").text)
    assert "BP 196/124 mmHg: grade 3 range (single reading); hypertensive crisis range" in english
    assert '<td data-code="sbp" role="cell">Systolic BP</td>' in english, "readings named, not by their code"
    switched = staff.client.post(
        "/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    page = unspanned(staff.client.get(f"/encounters/{crisis['encounter_id']}").text)
    reasons = page.split('class="reasons"')[1].split("</ul>")[0]
    assert '<td data-code="sbp" role="cell">收缩压</td>' in page and '<option value="sbp">收缩压' in page
    record = next(r["detail"] for r in crisis["assessment"]["reasons"] if r["rule"] == "hypertensive_crisis")
    assert (
        "血压 196/124 mmHg：3级高血压范围（单次测量）；达高血压危象范围（&gt;180 和/或 &gt;120 mmHg）；需评估靶器官损害；当日紧急转诊"
        in reasons
    )
    # when the readings were taken, in the clinic's time, as every time on the page (the time alone
    # today: test_measured_today.py; the date only if the clinic's midnight fell in between)
    assert re.search(r"当日紧急转诊；测量于 (?:\d{4}-\d\d-\d\d )?\d\d:\d\d<", reasons), reasons
    # on hover the record - rule, values, reference - in Chinese, not the engine's English sentence
    assert 'title="规则代码 hypertensive_crisis；记录数值：sbp=196、dbp=124' in reasons
    assert record.replace(">", "&gt;") not in page, (
        "no English sentence on the Chinese page, not even on hover"
    )
    unscored = [m for m in crisis["assessment"]["models"] if m["probability"] is None]
    assert unscored and all(m["explanation"] not in page for m in unscored)
    assert "未评分：缺少必需的输入：" in page
    decision = unspanned(staff.client.get(f"/encounters/{unsure['encounter_id']}").text).split(
        'id="decision"'
    )[1]
    assert "缺少可用于决策的关键读数；请至少测量以下一项：收缩压、" in decision.split("</div>")[0]
    stored = staff.client.get(f"/api/v1/assessments/{crisis['id']}", headers=staff.bearer(Role.nurse))
    assert record in stored.text and "高血压危象" not in stored.text, "the API keeps the engine's English"


def _between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_the_chinese_patient_page_shows_scores_ignored_readings_and_the_rest_in_chinese(staff: Staff) -> None:
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    made = _walk_in(
        staff,
        "ZH-3",
        [
            {"code": "sbp", "value": 196, "unit": "mm[Hg]"},
            {"code": "dbp", "value": 104, "unit": "mm[Hg]"},
            {"code": "resp_rate", "value": 22, "unit": "/min"},
            {"code": "creatinine", "value": 160, "unit": "umol/L"},
            {"code": "albumin_creatinine_ratio", "value": 45, "unit": "mg/g"},
            {"code": "glucose_random", "value": 12.0, "unit": "mmol/L", "observed_at": old},
            {"code": "spo2", "value": 97, "unit": "%", "qc": True},
        ],
    )
    ignored = {i["reason"]: i for i in made["assessment"]["ignored_observations"]}
    assert set(ignored) == {"stale", "qc"}
    csrf = staff.login(Role.clinician)
    english = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
    assert "<h3>Readings not used by this assessment</h3>" in english
    assert f"random glucose 12 mmol/L ({clock(old, clinic=MACHINE)}): {ignored['stale']['detail']}" in english
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text)
    # the scores table: names and bands in Chinese, published names kept, KDIGO stages as codes
    assert (
        '<tr data-score="news2" role="row"><td role="cell">NEWS2 早期预警评分</td><td class="value" role="cell">'
        in page
    )
    assert (
        '<tr data-score="blood_pressure" role="row"><td role="cell">血压分级</td><td class="value" role="cell"></td><td role="cell">3级高血压范围</td></tr>'
        in page
    )
    kidney = _between(page, '<tr data-score="kidney" role="row">', "</tr>")
    # a long value's unit is its own element (under the number on a phone)
    assert '<td class="value compound" role="cell">43 <span class="unit">mL/min/1.73 m²</span></td>' in kidney
    assert "G3b（中到重度下降）；A2（白蛋白尿中度增加）" in kidney
    table = _between(page, "<h2>评分</h2>", "</table>")
    shown = re.sub(r' title="[^"]*"', "", table)  # the record, on hover
    assert "中国糖尿病风险评分（CDRS）" in shown and not re.search(r">[a-z_]+<|points|grade", shown)
    details = re.findall(
        r'<tr class="score-detail" data-detail-of="(\w+)" role="row"><td colspan="3" role="cell"><small title="([^"]*)">([^<]*)<',
        table,
    )
    assert {name for name, _, _ in details} == set(made["assessment"]["scores"]), (
        "every score says why, in Chinese"
    )
    assert all(CJK.search(zh) for _, _, zh in details)
    scores = made["assessment"]["scores"]
    for name, hover, _ in details:  # the score's code, value and reference; never its English sentence
        assert hover.startswith(f"评分代码 {name}") and scores[name]["detail"] not in hover, hover
    # the readings the assessment did not use, named, with why, the English on hover
    unused = _between(page, '<ul class="ignored">', "</ul>")
    stale = _between(unused, 'data-reason="stale"', "</li>")
    assert 'title="读数代码 glucose_random；未采用原因代码 stale"' in stale
    assert ignored["stale"]["detail"] not in stale
    assert f"随机血糖 12 mmol/L（{clock(old, clinic=MACHINE)}）：测量时间已超过 24 小时，已过期" in stale
    assert "血氧饱和度 97 %" in unused and "：质控结果" in unused
    assert "<h3>本次评估未采用的读数</h3>" in page
    # the rest of the page: missing inputs by name, versions, readings' units, referral choices
    missing = _between(page, 'class="missing"', "</p>")
    assert "目前吸烟、" in missing and "current_smoker" not in missing and ", " not in missing
    assert "策略 builtin-" in page and "· 引擎 clinic-triage-engine" in page
    assert (
        "22 次/分" in page
        and "160 μmol/L" in page
        and '<span class="measure">97 %</span>（质控）' in page
        and "(QC)" not in page
    )
    assert _between(table, '<tr data-score="findrisc" role="row">', "</tr>").endswith(
        '<td role="cell">无法判定（缺少项目）</td>'
    ), "not determined, in Chinese, said once (test_page_score_incomplete.py)"
    assert re.search(r'<option value="routine"( selected)?>常规转诊</option>', page) and "（二级）" in page
    referred = staff.client.post(
        f"/assessments/{made['id']}/refer",
        data={"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "BP"},
        follow_redirects=False,
    )
    assert referred.status_code == 303, referred.text
    table = _between(
        unspanned(staff.client.get(f"/encounters/{made['encounter_id']}").text),
        'id="encounter-referrals"',
        "</table>",
    )
    assert re.search(r'<th scope="col"[^>]*>紧急程度</th>', _between(table, "<thead", "</thead>")), (
        "its headings too"
    )
    row = _between(table, "</thead>", "</tr>")
    assert re.search(r'<td class="urgency"[^>]*>紧急转诊</td>', row) and ">urgent<" not in row
    assert re.search(r'<td class="urgency"[^>]*>紧急转诊</td>', staff.client.get("/referrals").text)
    stored = staff.client.get(f"/api/v1/assessments/{made['id']}", headers=staff.bearer(Role.nurse)).text
    assert ignored["stale"]["detail"] in stored and "已过期" not in stored, (
        "the API keeps the engine's English"
    )


def test_the_patient_page_says_why_china_par_does_not_apply_in_both_languages(staff: Staff) -> None:
    body = {
        "patient": {"mrn": "DETAIL-30", "sex": "male"},
        "age_years": 30,
        "observations": [{"code": "sbp", "value": 150, "unit": "mm[Hg]"}],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    record = made.json()["assessment"]["scores"]["china_par"]["detail"]
    assert record == "age 30 is outside the derivation ages 35-74"
    csrf = staff.login(Role.clinician)
    url = f"/encounters/{made.json()['encounter_id']}"
    english = _between(
        staff.client.get(url).text, '<tr class="score-detail" data-detail-of="china_par" role="row">', "</tr>"
    )
    assert english == f'<td colspan="3" role="cell"><small>{record}</small></td>', (
        "the English is the record: no hover"
    )
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = staff.client.get(url).text
    assert (
        '<tr data-score="china_par" role="row"><td role="cell">China-PAR 10 年动脉粥样硬化性心血管病风险</td><td class="value" role="cell">-</td><td role="cell">不适用'
        in page
    )
    chinese = unspanned(
        _between(page, '<tr class="score-detail" data-detail-of="china_par" role="row">', "</tr>")
    )
    reference = made.json()["assessment"]["scores"]["china_par"]["reference"]
    assert chinese == (
        f'<td colspan="3" role="cell"><small title="评分代码 china_par；依据：{reference}">'
        "年龄 30 岁，超出该评分推导人群的年龄范围（35-74 岁）</small></td>"
    ), "on hover the score's code and reference in Chinese, not the English sentence"
    pce = unspanned(_between(page, '<tr class="score-detail" data-detail-of="pce" role="row">', "</tr>"))
    assert "年龄 30 岁，超出方程的适用范围（40-79 岁）" in pce


def test_normal_vitals_have_no_reasons_to_translate() -> None:
    payload = _payload(PatientContext(age=40), normal_vitals(), load_policy())
    assert payload["reasons"] == [] and payload["notes"] == []


def test_a_child_s_page_in_chinese_says_why_nobody_scored_the_vital_signs() -> None:
    """NEWS2 does not apply under 16 (3b2c57d): the decision box's note and the scores table said so
    in the engine's English on the Chinese page ("heart_rate 110 /min, ... not scored by NEWS2
    (not applicable: ...)", band "not_applicable", "age 6 is outside the derivation ages 18-130")."""
    from triage.service.i18n import catalogue_data

    zh = EngineText("zh")
    note = phrases.VITALS_NOT_SCORED.format(
        readings="heart_rate 110 /min, resp_rate 28 /min, temperature 38.2 Cel",
        reason=phrases.NEWS2_CHILD.format(age=6),
    )
    assert zh.note(note) == (
        "心率 110 次/分、呼吸频率 28 次/分、体温 38.2 °C：未经 NEWS2 评分（不适用：年龄 6 岁；NEWS2 不用于"
        " 16 岁以下儿童（英国皇家内科医师学会 2017）；请用儿童早期预警评分（PEWS）评估），不能据此判断可在本院诊治；须由医生立即评估"
    )
    pregnant = phrases.VITALS_NOT_SCORED.format(
        readings="heart_rate 96 /min", reason=phrases.NEWS2_PREGNANCY.template
    )
    assert (
        "不适用：NEWS2 不用于孕妇（英国皇家内科医师学会 2017）；请用产科早期预警评分（MEWS/MEOWS）评估"
        in zh.note(pregnant)
    )
    assert zh.note(phrases.OXYGEN_UNKNOWN.format(spo2="94 %")).startswith(
        "血氧饱和度 94 %（SpO2 量表 2）未记录吸氧状态"
    )
    child = {"detail": phrases.NEWS2_CHILD.format(age=6), "band": "not_applicable"}
    assert zh.score_detail("news2", child).startswith("不适用：年龄 6 岁；NEWS2 不用于 16 岁以下儿童")
    assert zh.score_band("news2", child) == "不适用"
    adult_only = {"detail": phrases.OUTSIDE_AGES.format(age=6, low=18, high=130), "band": "not_applicable"}
    for name in ("qsofa", "crb65", "findrisc", "kidney"):
        assert zh.score_detail(name, adult_only) == "年龄 6 岁：该评分只用于成人（18 岁及以上）", name
        assert zh.score_band(name, adult_only) == "不适用", name
    # the English page: the engine's words, readings named
    en = EngineText("en")
    assert en.note(note).startswith(
        "heart rate 110 /min, respiratory rate 28 /min, temperature 38.2 °C not scored"
    )
    assert en.score_detail("news2", child) == child["detail"]
    assert (
        catalogue_data("en")["engine.vitals_not_scored"].replace(":readings", "").replace(":news2", "")
        == phrases.VITALS_NOT_SCORED.template
    )


def test_the_chinese_page_of_a_child_shows_no_english(staff: Staff) -> None:
    body = {
        "patient": {"mrn": "ZH-CHILD", "sex": "male"},
        "age_years": 6,
        "observations": [
            {"code": "heart_rate", "value": 110, "unit": "/min"},
            {"code": "resp_rate", "value": 28, "unit": "/min"},
            {"code": "temperature", "value": 38.2, "unit": "Cel"},
        ],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    assert made.json()["disposition"] == "insufficient_data"
    csrf = staff.login(Role.clinician)
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    decision = _between(page, 'id="decision"', "</div>")
    assert "未经 NEWS2 评分" in decision and "not scored" not in decision
    table = re.sub(r' title="[^"]*"', "", _between(page, "<h2>评分</h2>", "</table>"))
    assert "not applicable" not in table and "not_applicable" not in table and "derivation" not in table
    assert (
        '<tr data-score="news2" role="row"><td role="cell">NEWS2 早期预警评分</td><td class="value" role="cell">-</td><td role="cell">不适用'
        in table
    )
