"""The engine's English on the staff pages in the user's language: reason details from per-rule
templates filled with the values each rule produces, notes and model explanations through the
engine's own phrasings, the English record wherever that cannot be done."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from string import Formatter
from typing import Any

import pytest

from tests.service.conftest import Staff
from tests.triage.conftest import NOW, RECENT, normal_vitals, ob
from tests.triage.test_phrases import _patients, engine_notes, ignored_readings
from tests.triage.test_rules import ALL_ON, CASES, CVD, DIAB
from triage import phrases
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.riskmodels import ModelSet, load_models
from triage.rules import RULES
from triage.scores.news2 import RESPONSES as NEWS2_RESPONSES
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock
from triage.service.pages.engine_text import EngineText, number
from triage.vocabulary import CONCEPTS

CJK = re.compile(r"[\u4e00-\u9fff]")
SCALE2 = policy_from_mapping({"rules": {"crb65_intermediate": {"level": "routine_referral"}}})


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _payload(
    patient: PatientContext, observations: list[Observation], policy: Policy, models: Any = None
) -> dict[str, Any]:
    """The Assessment as the pages get it: the stored JSON, parsed."""
    payload: dict[str, Any] = json.loads(
        assess(patient, observations, policy, models, now=NOW).model_dump_json()
    )
    return payload


def _firing() -> Iterator[tuple[str, dict[str, Any]]]:
    """(rule, assessment) for every rule, driven through assess() with readings that fire it, and
    variants whose values take other shapes (censored, converted, incomplete, one pressure, scale 2)."""
    for rule, (patient, readings, _) in CASES.items():
        yield rule, _payload(PatientContext(**patient), [ob(c, v, u) for c, v, u in readings], ALL_ON)
    crb = [ob("resp_rate", 30), ob("sbp", 120), ob("dbp", 80), ob("consciousness", "A")]
    yield "crb65_intermediate", _payload(PatientContext(age=50), crb, ALL_ON)
    lipids = [ob("sbp", 140), ob("total_cholesterol", 5.5), ob("hdl_cholesterol", 1.2)]
    yield "cvd_risk_high", _payload(PatientContext(**CVD), lipids, ALL_ON)
    yield "diabetes_risk_high", _payload(PatientContext(**DIAB), [ob("sbp", 115)], ALL_ON)
    # other shapes of the same values
    yield "glucose_hhs_range", _payload(PatientContext(), [ob("glucose_random", ">600", "mg/dL")], ALL_ON)
    yield "glucose_diabetes_range", _payload(PatientContext(), [ob("hba1c", 62, "mmol/mol")], ALL_ON)
    yield "hypertensive_crisis", _payload(PatientContext(), [ob("sbp", ">250")], ALL_ON)
    yield (
        "news2_emergency",
        _payload(PatientContext(), [ob("resp_rate", 30), ob("spo2", 88), ob("sbp", 85)], ALL_ON),
    )
    yield (
        "total_cholesterol_above_8",
        _payload(PatientContext(), [ob("total_cholesterol", 350, "mg/dL")], ALL_ON),
    )
    on_oxygen = [ob("spo2", 98), ob("supplemental_o2", "oxygen")]
    yield "spo2_critical", _payload(PatientContext(spo2_scale2=True), on_oxygen, SCALE2)
    yield "egfr_below_30", _payload(PatientContext(age=70, sex="female"), [ob("creatinine", 300)], ALL_ON)
    yield "albuminuria", _payload(PatientContext(), [ob("albumin_creatinine_ratio", 45)], ALL_ON)
    yield "altered_consciousness", _payload(PatientContext(), [ob("consciousness", "U")], ALL_ON)
    diab = {**DIAB, "age": 70, "waist_cm": 105, "bmi": 32, "on_antihypertensives": True}
    yield (
        "diabetes_risk_high",
        _payload(PatientContext(**diab, physically_active=False), [ob("sbp", 150)], ALL_ON),
    )


FIRING = list(_firing())


def _reasons(rule: str, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = [r for r in payload["reasons"] if r["rule"] == rule]
    assert found, f"{rule} did not fire"
    return found


def test_every_rule_has_a_detail_template_in_both_languages() -> None:
    for language in ("en", "zh"):
        templates = {
            k.removeprefix("rule_detail.") for k in catalogue_data(language) if k.startswith("rule_detail.")
        }
        assert templates == {r.name for r in RULES}, language


def test_every_rule_is_fired_here() -> None:
    assert {rule for rule, _ in FIRING} == {r.name for r in RULES}


@pytest.mark.parametrize(("rule", "payload"), FIRING, ids=[f"{r}-{i}" for i, (r, _) in enumerate(FIRING)])
def test_each_rule_detail_fills_with_the_values_the_rule_produces(rule: str, payload: dict[str, Any]) -> None:
    for reason in _reasons(rule, payload):
        en = EngineText("en", payload).rule_detail(reason)  # strict: raises when a value is missing
        zh = EngineText("zh", payload).rule_detail(reason)
        for text in (en, zh):
            assert text and "{" not in text and "}" not in text and "None" not in text
        assert not CJK.search(en) and CJK.search(zh), (en, zh)
        # the numbers that fired the rule are shown (as the rule reported them, one decimal at most)
        for value in reason["values"].values():
            if isinstance(value, float) and value == int(value):
                assert str(int(value)) in zh, (value, zh)


def _zh_detail(payload: dict[str, Any], rule: str) -> str:
    return EngineText("zh", payload).detail(_reasons(rule, payload)[0])


def test_chinese_details_read_as_written() -> None:
    bp = _payload(PatientContext(), [ob("sbp", 196), ob("dbp", 124)], ALL_ON)
    assert _zh_detail(bp, "hypertensive_crisis") == (
        "血压 196/124 mmHg：3级高血压范围（单次测量）；达高血压危象范围（>180 和/或 >120 mmHg）；需评估靶器官损害"
    )
    assert _zh_detail(bp, "bp_grade_3") == "血压 196/124 mmHg：3级高血压范围（单次测量）"
    assert _zh_detail(bp, "bp_hearts_urgent") == (
        "血压 196/124 mmHg：3级高血压范围（单次测量）；高于 200 和/或 110 mmHg；需当日紧急转诊"
    )
    one = _payload(PatientContext(), [ob("sbp", ">250")], ALL_ON)
    assert _zh_detail(one, "hypertensive_crisis").startswith(
        "血压 >250/? mmHg：3级高血压范围（单次测量；缺少一项血压，至少为此级别）；达高血压危象范围"
    )
    hhs = _payload(
        PatientContext(), [ob("glucose_random", ">600", "mg/dL"), ob("urine_ketones", "2+")], ALL_ON
    )
    assert _zh_detail(hhs, "glucose_hhs_range").endswith(
        "：随机血糖 >33.3 mmol/L（原始报告值 >600 mg/dL）、尿酮体（试纸） 2+"
    )
    red = _payload(PatientContext(), [ob("resp_rate", 28), ob("spo2", 90), ob("sbp", 88)], ALL_ON)
    assert _zh_detail(red, "news2_red_parameter") == (
        "NEWS2 红色评分（单项参数 3 分）：呼吸频率 28 次/分、血氧饱和度 90 %、收缩压 88 mmHg"
    )
    assert _zh_detail(red, "news2_emergency") == (
        "早期预警评分 NEWS2 ≥9 分（血氧饱和度量表 1）：紧急抢救响应：由重症监护团队评估；考虑转入二级/三级监护；"
        "持续监测；计分项：呼吸频率 3 分、血氧饱和度 3 分、收缩压 3 分（评分不完整，缺少吸氧状态、心率、意识水平（ACVPU）、体温，"
        "为下限）"
    )
    kidney = _payload(PatientContext(), [ob("egfr", 45.06), ob("albumin_creatinine_ratio", 45)], ALL_ON)
    assert _zh_detail(kidney, "egfr_30_59") == (
        "估算肾小球滤过率 eGFR 45.1 mL/min/1.73 m²（CKD 分期 G3a）；尿白蛋白/肌酐比值 ACR 45 mg/g（白蛋白尿分期 A2）"
        "：eGFR 处于 30-59"
    )
    spo2 = _payload(PatientContext(), [ob("spo2", 93)], ALL_ON)
    assert _zh_detail(spo2, "spo2_low") == "血氧饱和度 93 %（量表 1）：偏低"
    confused = _payload(PatientContext(), [ob("consciousness", "C")], ALL_ON)
    assert _zh_detail(confused, "altered_consciousness") == "ACVPU 评估为 C：新发意识模糊（非清醒）"


@pytest.mark.parametrize("rule", ["news2_urgent", "news2_low_elevated", "qsofa_high", "crb65_high"])
def test_an_incomplete_score_names_the_readings_it_lacks(rule: str) -> None:
    """The engine's English says which readings an incomplete score is missing (what to measure
    next); the page says it too, in either language, never only "incomplete"."""
    for fired, payload in FIRING:
        if fired != rule:
            continue
        for reason in _reasons(rule, payload):
            if reason["values"].get("complete") is not False:
                continue
            score = next(s for name, s in payload["scores"].items() if name in reason["values"])
            assert score["missing"]
            for language in ("en", "zh"):
                text = EngineText(language, payload)
                shown = text.detail(reason)
                assert shown != reason["detail"], "rendered from the template, not the fallback"
                for code in score["missing"]:
                    assert text.label(code) in shown, (language, code, shown)
            return
    pytest.fail(f"no incomplete {rule} fired here")


def test_an_incomplete_score_without_its_missing_list_is_the_engines_english() -> None:
    payload = next(p for rule, p in FIRING if rule == "qsofa_high")
    reason = _reasons("qsofa_high", payload)[0]
    payload = {
        **payload,
        "scores": {**payload["scores"], "qsofa": {**payload["scores"]["qsofa"], "missing": []}},
    }
    assert EngineText("zh", payload).detail(reason) == reason["detail"]


@pytest.mark.parametrize("band", list(NEWS2_RESPONSES))
def test_news2_details_keep_the_clinical_response_of_the_band(band: str) -> None:
    """The NEWS2 rules' details carry the RCP Chart 4 response and monitoring of the band, in
    English exactly as the score states it (so the two cannot drift) and in Chinese."""
    monitoring, response, _ = NEWS2_RESPONSES[band]
    assert catalogue_data("en")[f"detail.news2_response.{band}"] == f"{response}; monitoring {monitoring}"
    assert CJK.search(catalogue_data("zh")[f"detail.news2_response.{band}"])
    urgent = _payload(PatientContext(), [ob("resp_rate", 22), ob("heart_rate", 115), ob("spo2", 95)], ALL_ON)
    assert urgent["scores"]["news2"]["band"] == "medium"
    en = EngineText("en", urgent).detail(_reasons("news2_urgent", urgent)[0])
    assert f": {NEWS2_RESPONSES['medium'][1]}; monitoring at least 1-hourly; points: " in en
    assert "紧急响应：由具备急症处理能力的临床医生评估" in _zh_detail(urgent, "news2_urgent")


def test_a_detail_that_cannot_be_filled_is_the_engines_english() -> None:
    payload = _payload(PatientContext(), [ob("sbp", 196), ob("dbp", 124)], ALL_ON)
    grade = _reasons("bp_grade_3", payload)[0]
    text = EngineText("zh", payload)
    assert text.detail({**grade, "rule": "a_new_rule"}) == grade["detail"], "no template"
    no_grade = {**grade, "values": {"sbp": 196.0, "dbp": 124.0}}
    assert text.detail(no_grade) == "血压 196/124 mmHg：3级高血压范围（单次测量）", "the assessment's grade"
    without_score = EngineText("zh", {**payload, "scores": {}})
    assert without_score.detail(no_grade) == grade["detail"], "a value missing"
    assert text.detail({**grade, "values": {**grade["values"], "grade": "grade_9"}}) == grade["detail"]
    egfr = {"rule": "egfr_30_59", "values": {"egfr": None, "acr": None}, "detail": "eGFR 30-59 (old)"}
    assert text.detail(egfr) == "eGFR 30-59 (old)", "nothing to show: not a half-filled template"
    glucose = {"rule": "glucose_critical_low", "values": {}, "detail": "glucose below the critical low"}
    assert text.detail(glucose) == "glucose below the critical low"
    text.text = {k: v for k, v in text.text.items() if k != "rule_detail.bp_grade_3"}
    assert text.detail(grade) == grade["detail"], "the catalogue lacks the template"


@pytest.mark.parametrize(
    ("readings", "gfr", "albuminuria"),
    [
        ([ob("egfr", 95), ob("albumin_creatinine_ratio", 35)], "G1", "A2"),
        ([ob("egfr", 75), ob("albumin_creatinine_ratio", 420)], "G2", "A3"),
        ([ob("egfr", 50), ob("albumin_creatinine_ratio", 12)], "G3a", "A1"),
        ([ob("egfr", 35.55)], "G3b", None),
        ([ob("egfr", 20), ob("albumin_creatinine_ratio", 45)], "G4", "A2"),
        ([ob("egfr", 10)], "G5", None),
        ([ob("albumin_creatinine_ratio", 45)], None, "A2"),
    ],
)
def test_kidney_details_name_the_kdigo_stages(
    readings: list[Observation], gfr: str | None, albuminuria: str | None
) -> None:
    """The engine's English names the eGFR and ACR stages (G3a, A2); both languages keep them as codes."""
    payload = _payload(PatientContext(), readings, ALL_ON)
    kidney = [r for r in payload["reasons"] if r["rule"] in ("egfr_below_30", "egfr_30_59", "albuminuria")]
    assert kidney, "a kidney rule fired"
    for reason in kidney:
        en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
        egfr, acr = reason["values"]["egfr"], reason["values"]["acr"]
        if gfr is not None:
            assert f"({gfr})" in reason["detail"]
            assert f"eGFR {number(egfr)} mL/min/1.73 m² ({gfr})" in en, en
            assert f"估算肾小球滤过率 eGFR {number(egfr)} mL/min/1.73 m²（CKD 分期 {gfr}）" in zh, zh
        if albuminuria is not None:
            assert f"({albuminuria})" in reason["detail"]
            assert f"ACR {number(acr)} mg/g ({albuminuria})" in en, en
            assert f"尿白蛋白/肌酐比值 ACR {number(acr)} mg/g（白蛋白尿分期 {albuminuria}）" in zh, zh
        else:
            assert "ACR" not in zh


def test_a_kidney_detail_without_its_stage_is_the_engines_english() -> None:
    payload = _payload(PatientContext(), [ob("egfr", 45), ob("albumin_creatinine_ratio", 45)], ALL_ON)
    reason = _reasons("egfr_30_59", payload)[0]
    kidney = payload["scores"]["kidney"]
    for components in ({"gfr_category": "G3a"}, {"albuminuria": "A2", "gfr_category": None}):
        changed = {**payload, "scores": {**payload["scores"], "kidney": {**kidney, "components": components}}}
        for language in ("en", "zh"):
            assert EngineText(language, changed).detail(reason) == reason["detail"], (language, components)
    assert EngineText("zh", {**payload, "scores": {}}).detail(reason) == reason["detail"]


def test_blood_pressure_details_keep_the_grade_and_its_caveat_in_both_languages() -> None:
    """The hypertensive-crisis and HEARTS details say the grade range, as the engine's English does,
    and with one pressure missing that the grade is a lower bound."""
    one = _payload(PatientContext(), [ob("sbp", 205)], ALL_ON)
    crisis = _reasons("hypertensive_crisis", one)[0]
    assert "grade 3 range (single reading; at least this grade, one pressure missing)" in crisis["detail"]
    assert EngineText("en", one).detail(crisis) == (
        "BP 205/? mmHg: grade 3 range (single reading; at least this grade, one pressure missing); "
        "hypertensive crisis range (>180 and/or >120 mmHg); check for target-organ damage"
    )
    both = _payload(PatientContext(), [ob("sbp", 150), ob("dbp", 125)], ALL_ON)
    hearts = _reasons("bp_hearts_urgent", both)[0]
    assert hearts["detail"].startswith("150/125 mmHg: grade 3 range (single reading)")
    assert _zh_detail(both, "bp_hearts_urgent") == (
        "血压 150/125 mmHg：3级高血压范围（单次测量）；高于 200 和/或 110 mmHg；需当日紧急转诊"
    )
    grade_2 = _payload(PatientContext(), [ob("dbp", 105)], ALL_ON)
    assert (
        _zh_detail(grade_2, "bp_grade_1_2")
        == "血压 ?/105 mmHg：2级高血压范围（单次测量；缺少一项血压，至少为此级别）"
    )
    no_band = {
        **both,
        "scores": {**both["scores"], "blood_pressure": {**both["scores"]["blood_pressure"], "band": None}},
    }
    assert EngineText("zh", no_band).detail(hearts) == hearts["detail"], "no grade: the engine's English"


# --- the scores table -----------------------------------------------------------------------------


def _every_band() -> dict[str, set[str]]:
    """Every band each score can give, from the scores' own band functions."""
    from triage.scores import china_par, crb65, findrisc, glycaemia, kidney, news2, oximetry, pce
    from triage.scores.blood_pressure import GRADES

    totals = range(0, 30)
    return {
        "news2": {news2.band_for(t, red) for t in totals for red in (False, True)},
        "oximetry": {
            oximetry.oximetry(spo2=v, on_oxygen=on, scale2=scale2).band
            for v in range(40, 101)
            for on in (False, True)
            for scale2 in (False, True)
        },
        "blood_pressure": set(GRADES),
        "glycaemia": set(glycaemia.SEVERITY),
        "qsofa": {"low", "high"},
        "crb65": {crb65.band_for(t) for t in range(5)},
        "china_par": {china_par.category(r / 10) for r in range(0, 1000)} | {"not_applicable"},
        "pce": {pce.category(r / 10) for r in range(0, 1000)} | {"not_applicable"},
        "findrisc": {findrisc.band_for(t)[0] for t in totals},
        "cdrs": {"low", "high", "not_applicable"},
        "kidney": {kidney.gfr_category(e) for e in range(0, 150)}
        | {kidney.albuminuria_category(a) for a in range(0, 400)},
    }


def test_every_score_and_band_has_a_name_in_both_languages() -> None:
    bands = _every_band()
    assessed = _payload(PatientContext(age=50), normal_vitals(), ALL_ON)["scores"]
    assert set(bands) == set(assessed), "every score the engine gives is listed here"
    for language in ("en", "zh"):
        text = catalogue_data(language)
        for name, names in bands.items():
            assert f"score.{name}" in text, (language, name)
            for band in names:
                assert f"score.{name}.{band}" in text, (language, name, band)
                if language == "zh":
                    assert CJK.search(text[f"score.{name}.{band}"]), (name, band)
    zh = catalogue_data("zh")
    for kept in ("NEWS2", "qSOFA", "CRB-65", "China-PAR", "FINDRISC"):
        assert any(v.startswith(kept) for k, v in zh.items() if k.count(".") == 1 and k.startswith("score."))
    assert zh["score.cdrs"] == "中国糖尿病风险评分（CDRS）" and "汇总队列方程（PCE）" in zh["score.pce"]
    scored = [n for n in bands if n != "kidney"]
    assert all(CJK.search(zh[f"score.{n}"]) for n in scored)


def test_the_scores_table_in_chinese() -> None:
    payload = _payload(
        PatientContext(age=66, sex="male"),
        [
            ob("resp_rate", 22),
            ob("heart_rate", 96),
            ob("spo2", 93),
            ob("sbp", 196),
            ob("dbp", 104),
            ob("creatinine", 160),
            ob("albumin_creatinine_ratio", 45),
        ],
        ALL_ON,
    )
    zh, en, scores = EngineText("zh", payload), EngineText("en", payload), payload["scores"]
    rows = {
        name: (zh.score_name(name), zh.score_value(s), zh.score_band(name, s)) for name, s in scores.items()
    }
    assert rows["news2"] == ("NEWS2 早期预警评分", "5 分", "中风险")
    assert rows["oximetry"] == ("脉搏血氧饱和度", "93 %", "偏低")
    assert rows["blood_pressure"] == ("血压分级", "", "3级高血压范围"), "a grade is named, not its index"
    assert rows["kidney"] == (
        "肾功能（eGFR，KDIGO 分期）",
        "40.7 mL/min/1.73 m²",
        "G3b（中到重度下降）；A2（白蛋白尿中度增加）",
    )
    assert rows["crb65"][2] == "中风险" and rows["china_par"][1:] == ("", "")
    assert (
        en.score_name("news2"),
        en.score_value(scores["news2"]),
        en.score_band("news2", scores["news2"]),
    ) == (
        "NEWS2",
        "5 points",
        "medium",
    )
    assert en.score_band("kidney", scores["kidney"]) == (
        "G3b (moderately to severely decreased); A2 (moderately increased albuminuria)"
    )


def test_a_score_or_band_the_catalogue_does_not_know_is_shown_as_the_engine_wrote_it() -> None:
    zh = EngineText("zh")
    assert zh.score_name("a_new_score") == "a_new_score"
    assert zh.score_band("news2", {"band": "a_new_band"}) == "a_new_band"
    assert zh.score_band("kidney", {"band": "G9", "components": {"gfr_category": "G9"}}) == "G9"
    assert zh.score_band("kidney", {"band": "G3a", "components": {}}) == "G3a（轻到中度下降）"
    assert (
        zh.score_band("qsofa", {"band": None}) == ""
        and zh.score_value({"value": None, "unit": "points"}) == ""
    )
    assert zh.score_value({"value": 7.25, "unit": "furlongs"}) == "7.2 furlongs"


# --- a score's detail: why it says what it says ---------------------------------------------------

_CHOICES: dict[str, tuple[object, ...]] = {
    "sex": ("male", "female"),
    "family_history_diabetes": ("none", "first_degree", "second_degree"),
    "consciousness": ("A", "C", "V", "P", "U"),
    "urine_ketones": ("neg", "trace", "1+", "2+", "3+"),
    "race": ("white", "african_american"),
}
_SPANS = {
    "age": (10, 95),
    "sbp": (60, 240),
    "dbp": (30, 140),
    "bmi": (15, 45),
    "waist_cm": (55, 130),
    "tc_mgdl": (90, 380),
    "hdl_mgdl": (10, 120),
    "resp_rate": (4, 40),
    "spo2": (70, 100),
    "heart_rate": (30, 180),
    "temperature": (33, 42),
    "glucose_fasting": (1.5, 35),
    "glucose_random": (1.5, 40),
    "hba1c": (4, 14),
    "creatinine": (30, 900),
    "egfr_measured": (5, 130),
    "acr": (1, 900),
}


def _score_results() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every score on random inputs (some missing) and on none, as the Assessment JSON holds it."""
    import importlib
    import inspect
    import random

    rng = random.Random(6)
    for name in phrases.SCORE_DETAILS:
        score = getattr(importlib.import_module(f"triage.scores.{name}"), name)
        params = [
            p for p in inspect.signature(score).parameters.values() if p.default is inspect.Parameter.empty
        ]
        nothing = {p.name: False if p.name == "scale2" else None for p in params}
        yield name, json.loads(score(**nothing).model_dump_json())
        for _ in range(400):
            kwargs: dict[str, object] = {}
            for p in params:
                if p.name == "scale2":
                    kwargs[p.name] = rng.random() < 0.3
                elif rng.random() < 0.15:
                    kwargs[p.name] = None
                elif p.name in _CHOICES:
                    kwargs[p.name] = rng.choice(_CHOICES[p.name])
                elif "bool" in str(p.annotation):
                    kwargs[p.name] = rng.random() < 0.5
                else:
                    kwargs[p.name] = round(rng.uniform(*_SPANS[p.name]), rng.choice((0, 1)))
            yield name, json.loads(score(**kwargs).model_dump_json())


def _body(detail: str) -> str:
    """A detail without the clause naming a point score's missing items (the page leaves it out)."""
    head, sep, tail = detail.partition(phrases.INCOMPLETE.template.split("{")[0])
    assert not sep or phrases.INCOMPLETE.match(sep + tail) is not None
    return head


def test_every_score_detail_is_a_phrase_of_its_score_and_reads_in_chinese() -> None:
    seen: dict[str, set[str]] = {name: set() for name in phrases.SCORE_DETAILS}
    for name, score in _score_results():
        detail, body = score["detail"], _body(score["detail"])
        found = [p for p in phrases.SCORE_DETAILS[name] if p.match(body) is not None]
        assert found, (name, detail)
        seen[name].add(found[0].key)
        zh = EngineText("zh").score_detail(name, score)
        _assert_translated(detail, zh, (found[0],), fields=" ".join(found[0].match(body).values()))
        assert "{" not in zh and "incomplete" not in zh
        en = EngineText("en").score_detail(name, score)
        assert en == body or found[0] in (phrases.NOT_COMPUTED, phrases.OUTSIDE_RANGE), (en, body)
    unseen = {n: {p.key for p in ps} - seen[n] for n, ps in phrases.SCORE_DETAILS.items()}
    assert unseen == {n: set() for n in unseen}, "every phrase is written by its score"


def test_the_english_catalogue_is_the_score_details_phrase() -> None:
    en, zh = catalogue_data("en"), catalogue_data("zh")
    for name, candidates in phrases.SCORE_DETAILS.items():
        for phrase in candidates:
            key = next(
                k for k in (f"score_detail.{name}.{phrase.key}", f"score_detail.{phrase.key}") if k in en
            )
            assert _without_conversions(en[key]) == phrase.template, key
            assert {n for _, n, _, _ in Formatter().parse(zh[key]) if n} <= set(phrase.fields), key
            assert CJK.search(zh[key]) or phrase is phrases.GLYCAEMIA, key


def _score(name: str, **inputs: Any) -> dict[str, Any]:
    import importlib

    result = getattr(importlib.import_module(f"triage.scores.{name}"), name)(**inputs)
    return dict(json.loads(result.model_dump_json()))


_CVD = {
    "on_antihypertensives": False,
    "current_smoker": True,
    "diabetes": False,
    "tc_mgdl": 200.0,
    "hdl_mgdl": 45.0,
}


def test_score_details_in_chinese_with_their_values() -> None:
    zh, en = EngineText("zh"), EngineText("en")
    china_par = _score(
        "china_par",
        sex="male",
        age=30,
        sbp=150,
        waist_cm=None,
        region_north=True,
        urban=None,
        family_history_ascvd=False,
        **_CVD,
    )
    assert china_par["detail"] == "age 30 is outside the derivation ages 35-74"
    assert zh.score_detail("china_par", china_par) == "年龄 30 岁，超出该评分推导人群的年龄范围（35-74 岁）"
    pce = _score("pce", sex="female", age=58, sbp=210, **_CVD)
    assert zh.score_detail("pce", pce) == "收缩压 210 mmHg，超出方程的适用范围（90-200 mmHg）"
    assert en.score_detail("pce", pce) == "systolic BP 210 mmHg is outside the equations' range 90-200 mmHg"
    old = _score("cdrs", age=80, sex="male", bmi=None, waist_cm=None, sbp=None, family_history_diabetes=None)
    assert zh.score_detail("cdrs", old) == "年龄 80 岁，超出该评分推导人群的年龄范围（20-74 岁）"
    lacking = _score(
        "pce", sex="female", age=58, sbp=130, **{**_CVD, "tc_mgdl": None, "current_smoker": None}
    )
    assert zh.score_detail("pce", lacking) == "未计算：缺少总胆固醇、目前吸烟"
    assert en.score_detail("pce", lacking) == "not computed: missing total cholesterol, current smoker"
    news2 = _score(
        "news2",
        resp_rate=22,
        spo2=93,
        on_oxygen=False,
        sbp=120,
        heart_rate=96,
        consciousness="A",
        temperature=None,
    )
    assert news2["band"] == "medium" and "incomplete, missing temperature" in news2["detail"]
    response = catalogue_data("zh")["detail.news2_response.medium"]
    assert zh.score_detail("news2", news2) == f"NEWS2 >=5 分（SpO2 量表 1）：{response}", (
        "the missing list is below"
    )
    findrisc = _score(
        "findrisc",
        age=66,
        sex="male",
        bmi=31.0,
        waist_cm=104.0,
        physically_active=False,
        daily_fruit_veg=False,
        on_antihypertensives=True,
        history_high_glucose=False,
        family_history_diabetes="first_degree",
    )
    assert (
        zh.score_detail("findrisc", findrisc)
        == "FINDRISC 21 分：极高风险（10 年内约每 2 人中 1 人发生 2 型糖尿病）"
    )
    crisis = _score("blood_pressure", sbp=196, dbp=None)
    assert zh.score_detail("blood_pressure", crisis) == (
        "血压 196/? mmHg：3级高血压范围（单次测量；缺少一项血压，至少为此级别）；达高血压危象范围（>180 和/或 >120 mmHg）"
    )
    kidney = _score("kidney", creatinine=None, egfr_measured=52.0, acr=None, age=60, sex="female")
    assert zh.score_detail("kidney", kidney) == "估算肾小球滤过率 eGFR 52.0 mL/min/1.73 m²（CKD 分期 G3a）"
    glucose = _score("glycaemia", glucose_fasting=7.4, glucose_random=None, hba1c=None, known_diabetes=True)
    assert zh.score_detail("glycaemia", glucose) == "糖尿病范围（已知糖尿病）"
    assert zh.score_detail("oximetry", _score("oximetry", spo2=None, on_oxygen=None, scale2=False)) == (
        "未分级：没有血氧饱和度读数"
    )


def test_a_score_detail_that_cannot_be_filled_is_the_engines_english() -> None:
    zh = EngineText("zh")
    crb65 = _score("crb65", consciousness="A", resp_rate=32, sbp=None, dbp=None, age=70)
    assert "; incomplete, missing sbp, dbp" in crb65["detail"]
    assert zh.score_detail("crb65", crb65) == "CRB-65 >=2 分：中风险"
    unknown_band = {**crb65, "band": "a_new_band"}
    assert zh.score_detail("crb65", unknown_band) == crb65["detail"], "whole, with its missing items"
    assert zh.score_detail("crb65", {**crb65, "detail": "a new remark"}) == "a new remark"
    assert zh.score_detail("a_new_score", {"detail": "age 30 is outside the derivation ages 35-74"}) == (
        "age 30 is outside the derivation ages 35-74"
    )
    odd = {"band": "high", "detail": "FINDRISC 20: high (about one in three in 10 years)"}
    assert zh.score_detail("findrisc", odd) == odd["detail"]
    unit = {
        "band": "not_applicable",
        "detail": "age 30 furlongs is outside the equations' range 40-79 furlongs",
    }
    assert zh.score_detail("pce", unit) == unit["detail"]
    assert zh.score_detail("news2", {"band": None, "detail": ""}) == ""


# --- readings the assessment did not use ----------------------------------------------------------


def test_every_ignored_reading_reads_in_chinese_with_its_values() -> None:
    policy = load_policy()
    ignored = ignored_readings(policy)
    zh, en = EngineText("zh"), EngineText("en")
    by_reason = {i["reason"]: i for i in ignored}
    assert set(by_reason) == {"qc", "not_final", "cannot_be_done", "in_future", "stale", "superseded"}
    for reading in ignored:
        shown = zh.ignored(reading)
        _assert_translated(reading["detail"], shown, phrases.IGNORED)
        assert en.ignored(reading) != "" and not CJK.search(en.ignored(reading))
    hours = f"{policy.freshness.max_age_hours('resp_rate'):g}"
    assert zh.ignored(by_reason["stale"]) == f"测量时间已超过 {hours} 小时，已过期"
    later = clock(RECENT.isoformat())
    assert zh.ignored(by_reason["superseded"]) == f"已采用 {later} 的较新体温结果"
    assert en.ignored(by_reason["superseded"]) == f"a later temperature result from {later} is used"
    assert zh.ignored(by_reason["in_future"]) == f"测量时间晚于评估时间 {clock(NOW.isoformat())}"
    assert zh.ignored(by_reason["qc"]) == "质控结果"
    assert zh.ignored(by_reason["not_final"]) == "初步结果；仅采用最终结果或更正结果"
    assert zh.ignored(by_reason["cannot_be_done"]) == "设备报告该项检测无法完成"


def test_an_ignored_reading_that_cannot_be_rendered_is_the_engines_english() -> None:
    stale = next(i for i in ignored_readings(load_policy()) if i["reason"] == "stale")
    zh = EngineText("zh")
    assert zh.ignored({**stale, "detail": "older than the moon"}) == "older than the moon", "no phrase"
    assert zh.ignored({**stale, "detail": None}) == ""
    zh.text = {k: v for k, v in zh.text.items() if k != "engine.ignored_stale"}
    assert zh.ignored(stale) == stale["detail"], "the catalogue lacks the template"
    odd = phrases.IGNORED_SUPERSEDED.format(code="sbp", observed_at="yesterday")
    assert EngineText("zh").ignored({"detail": odd}) == "已采用 yesterday 的较新收缩压结果", (
        "a stored time as stored"
    )


def test_a_readings_value_reads_in_the_pages_language() -> None:
    zh, en = EngineText("zh"), EngineText("en")
    assert zh.value("150 mm[Hg]") == "150 mmHg" and zh.value("22 /min") == "22 次/分"
    assert zh.value(">33.3 mmol/L (reported >600 mg/dL)") == ">33.3 mmol/L（原始报告值 >600 mg/dL）"
    assert en.value(">33.3 mmol/L (reported >600 mg/dL)") == ">33.3 mmol/L (reported >600 mg/dL)"
    assert zh.value("neg") == "阴性" and zh.value("2+") == "2+" and zh.value("A") == "A"
    assert zh.value("cannot be done") == "cannot be done", "another shape: as it is"
    assert (
        zh.measurement(None, 37.9, None, "Cel") == "37.9 °C"
        and zh.measurement("<", 1.1, None, "mmol/L") == "<1.1 mmol/L"
    )
    assert (
        zh.measurement(None, 96.0, None, "/min") == "96 次/分"
        and zh.measurement(None, None, "air", None) == "未吸氧"
    )
    assert (
        zh.names(["current_smoker", "region_north", "a_new_field"])
        == "目前吸烟、居住在北方（长江以北）、a_new_field"
    )


# --- notes and explanations ---------------------------------------------------------------------


def _without_conversions(template: str) -> str:
    return "".join(
        literal + ("" if name is None else "{" + name + "}")
        for literal, name, _, _ in Formatter().parse(template)
    )


@pytest.mark.parametrize("phrase", phrases.PHRASES, ids=lambda p: p.key)
def test_the_english_catalogue_is_the_engines_phrase(phrase: phrases.Phrase) -> None:
    en, zh = catalogue_data("en")[f"engine.{phrase.key}"], catalogue_data("zh")[f"engine.{phrase.key}"]
    assert _without_conversions(en) == phrase.template
    assert {name for _, name, _, _ in Formatter().parse(zh) if name} == set(phrase.fields)
    assert CJK.search(zh) or phrase.key == "range_item"


def _english_words(phrase: phrases.Phrase) -> set[str]:
    return {
        w for literal, *_ in Formatter().parse(phrase.template) for w in re.findall(r"[a-z]{4,}", literal)
    }


def _assert_translated(
    original: str, zh: str, candidates: tuple[phrases.Phrase, ...], fields: str = ""
) -> None:
    assert zh != original and CJK.search(zh)
    for phrase in candidates:
        left = {w for w in _english_words(phrase) if w not in fields and w in zh.split()}
        assert not left, (phrase.key, zh)


def test_every_note_round_trips(model_set: ModelSet) -> None:
    notes = engine_notes(model_set, load_policy())
    assert len(notes) == len(phrases.NOTES)
    for note in notes:
        assert EngineText("en").note(note) == note
        zh = EngineText("zh").note(note)
        _assert_translated(note, zh, phrases.NOTES, fields="no registry boom RuntimeError")
    decisive = EngineText("zh").note(next(n for n in notes if n.startswith("no decisive")))
    assert decisive.startswith("缺少可用于决策的关键读数；请至少测量以下一项：收缩压、舒张压、血氧饱和度、")


def test_every_explanation_and_model_reason_round_trips(model_set: ModelSet) -> None:
    policy = load_policy()
    explanations, details = set(), []
    for patient, observations in _patients():
        payload = _payload(patient, observations, policy, model_set)
        explanations |= {m["explanation"] for m in payload["models"]}
        details += [(payload, r) for r in payload["reasons"] if r["source"] == "model"]
    known = (*phrases.CLAUSES, phrases.NOT_SCORED, *phrases.NOT_SCORED_REASONS, phrases.RANGE_ITEM)
    for text in explanations:
        assert EngineText("en").explanation(text) == text
        zh = EngineText("zh").explanation(text)
        _assert_translated(text, zh, known)
        assert zh.endswith("。") and "; " not in zh
    assert details, "a model reached its threshold"
    for payload, reason in details:
        assert EngineText("en", payload).detail(reason) == reason["detail"]
        zh = EngineText("zh", payload).detail(reason)
        assert zh.startswith("风险 ") and "，达到阈值 " in zh
        _assert_translated(reason["detail"], zh, (phrases.MODEL_REASON, *known))


def test_unknown_text_passes_through() -> None:
    zh = EngineText("zh")
    assert zh.note("call the duty doctor") == "call the duty doctor"
    known = phrases.DRIVERS.format(drivers="age +1.20")
    text = f"m 2.0: 12.0% (high; medium from 5%, high from 10%); {known}; a clause nobody wrote."
    assert zh.explanation(text) == (
        "m 2.0：12.0%（高风险；5% 起为中风险，10% 起为高风险）；主要影响因素（相对训练集中位数的对数几率）：年龄 +1.20"
        "；a clause nobody wrote。"
    )
    assert zh.explanation("something else entirely") == "something else entirely。"
    not_scored = phrases.NOT_SCORED.format(model="m", reason="a new reason")
    assert zh.explanation(not_scored) == "m 未评分：a new reason。"
    sex = phrases.NOT_SCORED.format(
        model="m", reason=phrases.SEX_MISMATCH.format(sex="female", patient_sex="other")
    )
    # a value the catalogue cannot name: that reason stays English, as an unknown one would
    assert zh.explanation(sex) == "m 未评分：trained on female patients only; this patient is other。"


def test_every_name_the_text_may_use_has_a_label() -> None:
    features = {f for m in load_models().models.values() for f in m.feature_names}
    for language in ("en", "zh"):
        names = {k.removeprefix("name.") for k in catalogue_data(language) if k.startswith("name.")}
        assert set(CONCEPTS) <= names and features <= names, language


# --- the page -------------------------------------------------------------------------------------


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
    english = staff.client.get(f"/encounters/{crisis['encounter_id']}").text
    assert "BP 196/124 mmHg: grade 3 range (single reading); hypertensive crisis range" in english
    assert '<td data-code="sbp">systolic BP</td>' in english, "readings named, not by their code"
    switched = staff.client.post(
        "/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    page = staff.client.get(f"/encounters/{crisis['encounter_id']}").text
    reasons = page.split('class="reasons"')[1].split("</ul>")[0]
    assert '<td data-code="sbp">收缩压</td>' in page and '<option value="sbp">收缩压' in page
    record = next(r["detail"] for r in crisis["assessment"]["reasons"] if r["rule"] == "hypertensive_crisis")
    assert (
        "血压 196/124 mmHg：3级高血压范围（单次测量）；达高血压危象范围（&gt;180 和/或 &gt;120 mmHg）；需评估靶器官损害"
        in reasons
    )
    assert f'title="{record.replace(">", "&gt;")}"' in reasons, "the English record on hover"
    unscored = [m for m in crisis["assessment"]["models"] if m["probability"] is None]
    assert unscored and all(m["explanation"] not in page for m in unscored)
    assert "未评分：缺少必需的输入：" in page
    decision = staff.client.get(f"/encounters/{unsure['encounter_id']}").text.split('id="decision"')[1]
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
    english = staff.client.get(f"/encounters/{made['encounter_id']}").text
    assert "<h3>Readings not used by this assessment</h3>" in english
    assert f"random glucose 12 mmol/L ({clock(old)}): {ignored['stale']['detail']}" in english
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = staff.client.get(f"/encounters/{made['encounter_id']}").text
    # the scores table: names and bands in Chinese, published names kept, KDIGO stages as codes
    assert '<tr data-score="news2"><td>NEWS2 早期预警评分</td><td>' in page
    assert '<tr data-score="blood_pressure"><td>血压分级</td><td></td><td>3级高血压范围</td></tr>' in page
    kidney = _between(page, '<tr data-score="kidney">', "</tr>")
    assert "42.8 mL/min/1.73 m²" in kidney and "G3b（中到重度下降）；A2（白蛋白尿中度增加）" in kidney
    table = _between(page, "<h2>评分</h2>", "</table>")
    shown = re.sub(r' title="[^"]*"', "", table)  # the engine's English record, on hover
    assert "中国糖尿病风险评分（CDRS）" in shown and not re.search(r">[a-z_]+<|points|grade", shown)
    details = re.findall(
        r'<tr class="score-detail" data-detail-of="(\w+)"><td colspan="3"><small title="([^"]*)">([^<]*)<',
        table,
    )
    assert {name for name, _, _ in details} == set(made["assessment"]["scores"]), (
        "every score says why, in Chinese"
    )
    assert all(CJK.search(zh) and english for _, english, zh in details)
    # the readings the assessment did not use, named, with why, the English on hover
    unused = _between(page, '<ul class="ignored">', "</ul>")
    stale = _between(unused, 'data-reason="stale"', "</li>")
    assert f'title="{ignored["stale"]["detail"]}"' in stale
    assert f"随机血糖 12 mmol/L（{clock(old)}）：测量时间已超过 24 小时，已过期" in stale
    assert "血氧饱和度 97 %" in unused and "：质控结果" in unused
    assert "<h3>本次评估未采用的测量结果</h3>" in page
    # the rest of the page: missing inputs by name, versions, readings' units, referral choices
    missing = _between(page, 'class="missing"', "</p>")
    assert "目前吸烟、" in missing and "current_smoker" not in missing and ", " not in missing
    assert "策略 builtin-" in page and "· 引擎 clinic-triage-engine" in page
    assert "22 次/分" in page and "160 μmol/L" in page and "97 %（质控）" in page and "(QC)" not in page
    assert _between(table, '<tr data-score="findrisc">', "</tr>").endswith("（不完整）</td>"), (
        "incomplete, in Chinese"
    )
    assert '<option value="routine" selected>常规</option>' in page and "(二级)" in page
    referred = staff.client.post(
        f"/assessments/{made['id']}/refer",
        data={"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "BP"},
        follow_redirects=False,
    )
    assert referred.status_code == 303, referred.text
    row = _between(
        staff.client.get(f"/encounters/{made['encounter_id']}").text, 'id="encounter-referrals"', "</tr>"
    )
    assert "<td>紧急</td>" in row and ">urgent<" not in row
    assert "<td>紧急</td>" in staff.client.get("/referrals").text
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
        staff.client.get(url).text, '<tr class="score-detail" data-detail-of="china_par">', "</tr>"
    )
    assert english == f'<td colspan="3"><small>{record}</small></td>', "the English is the record: no hover"
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = staff.client.get(url).text
    assert (
        '<tr data-score="china_par"><td>China-PAR 10 年动脉粥样硬化性心血管病风险</td><td>-</td><td>不适用'
        in page
    )
    chinese = _between(page, '<tr class="score-detail" data-detail-of="china_par">', "</tr>")
    assert chinese == (
        f'<td colspan="3"><small title="{record}">年龄 30 岁，超出该评分推导人群的年龄范围（35-74 岁）</small></td>'
    )
    pce = _between(page, '<tr class="score-detail" data-detail-of="pce">', "</tr>")
    assert "年龄 30 岁，超出方程的适用范围（40-79 岁）" in pce


def test_normal_vitals_have_no_reasons_to_translate() -> None:
    payload = _payload(PatientContext(age=40), normal_vitals(), load_policy())
    assert payload["reasons"] == [] and payload["notes"] == []
