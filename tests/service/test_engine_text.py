"""The engine's English on the staff pages in the user's language: reason details from per-rule
templates filled with the values each rule produces, notes and model explanations through the
engine's own phrasings, the English record wherever that cannot be done."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from string import Formatter
from typing import Any

import pytest

from referral.clock import MACHINE
from tests.triage.conftest import NOW, RECENT, ob
from tests.triage.test_phrases import _patients, engine_notes
from tests.triage.test_rules import ALL_ON, CASES, CVD, DIAB
from triage import phrases
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.riskmodels import ModelSet, load_models
from triage.rules import RULES
from triage.scores.news2 import RESPONSES as NEWS2_RESPONSES
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import local_time
from triage.service.pages.engine_text import EngineText, bounds, number
from triage.vocabulary import CONCEPTS

CJK = re.compile(r"[\u4e00-\u9fff]")
# the time the readings were taken, as every detail on the pages ends with it (clinic local time)
_SEEN = local_time(RECENT.isoformat(), clinic=MACHINE)
EN_MEASURED, ZH_MEASURED = f"; measured {_SEEN}", f"；测量于 {_SEEN}"
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
    pregnant = PatientContext(sex="female", pregnant=True, gestation_weeks=26)
    yield "pregnancy_hyperglycaemia", _payload(pregnant, [ob("glucose_fasting", 92, "mg/dL")], ALL_ON)
    headache = pregnant.model_copy(update={"acute_symptoms": ("headache",)})
    yield "pre_eclampsia_symptom_no_pressure", _payload(headache, [ob("glucose_random", 6.0)], ALL_ON)
    after_birth = PatientContext(sex="female", postpartum=True)
    yield "postpartum_hypertension", _payload(after_birth, [ob("sbp", 150), ob("dbp", 92)], ALL_ON)
    yield "postpartum_severe_hypertension", _payload(after_birth, [ob("sbp", 162), ob("dbp", 100)], ALL_ON)
    # one pressure measured and no urine: both asked for now
    mother = after_birth.model_copy(update={"acute_symptoms": ("headache",)})
    yield "pregnancy_headache_below_140_90", _payload(mother, [ob("sbp", 120)], ALL_ON)
    yield "established_ascvd", _payload(PatientContext(**CVD, known_ascvd=True), lipids, ALL_ON)
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
        "血压 196/124 mmHg：3级高血压范围（单次测量）；达高血压危象范围（>180 和/或 >120 mmHg）；需评估靶器官损害；当日紧急转诊"
        + ZH_MEASURED
    )
    # the crisis's urgent referral applies: the grade 3's non-emergency referral is not said beside it
    assert _zh_detail(bp, "bp_grade_3") == (
        "血压 196/124 mmHg（单次测量）；血压达 3 级范围（≥180 和/或 ≥110 mmHg）：作为“血压 >180 和/或 >120 mmHg”"
        "的佐证（该规则也因此血压触发）：按该规则处理，不按本规则" + ZH_MEASURED
    )
    assert _zh_detail(bp, "bp_hearts_urgent") == (
        "血压 196/124 mmHg：3级高血压范围（单次测量）；高于 200 和/或 110 mmHg；需当日紧急转诊" + ZH_MEASURED
    )
    one = _payload(PatientContext(), [ob("sbp", ">250")], ALL_ON)
    assert _zh_detail(one, "hypertensive_crisis").startswith(
        "血压 >250/? mmHg：3级高血压范围（单次测量；缺少一项血压，至少为此级别）；达高血压危象范围"
    )
    hhs = _payload(
        PatientContext(), [ob("glucose_random", ">600", "mg/dL"), ob("urine_ketones", "2+")], ALL_ON
    )
    assert _zh_detail(hhs, "glucose_hhs_range").endswith(
        "：随机血糖 >33.3 mmol/L（原始报告值 >600 mg/dL）、尿酮体（试纸） 2+；疑似高渗高血糖状态，紧急转诊"
        + ZH_MEASURED
    )
    red = _payload(PatientContext(), [ob("resp_rate", 28), ob("spo2", 90), ob("sbp", 88)], ALL_ON)
    assert _zh_detail(red, "news2_red_parameter") == (
        # three parameters at 3, counted (tests/triage/test_news2_red_several_parameters.py)
        "NEWS2 红色评分（3 项参数各 3 分）：呼吸频率 28 次/分、血氧饱和度 90 %、收缩压 88 mmHg；"
        # NEWS2 >=7: the emergency response applies, not the red score's urgent review
        "NEWS2：任一单项参数 3 分：作为“NEWS2 ≥7（紧急响应阈值）”的佐证（该规则也因这些观察项触发）："
        "按该规则处理，不按本规则" + ZH_MEASURED
    )
    assert _zh_detail(red, "news2_emergency") == (
        "早期预警评分 NEWS2 ≥9 分（SpO2 量表 1）：紧急抢救响应：由重症监护团队评估；考虑转入二级/三级监护；"
        "持续监测；计分项：呼吸频率 28 次/分（3 分）、血氧饱和度 90 %（3 分）、收缩压 88 mmHg（3 分）（评分不完整，缺少吸氧状态、心率、意识水平（ACVPU）、体温，"
        "为下限）" + ZH_MEASURED
    )
    kidney = _payload(PatientContext(), [ob("egfr", 45.06), ob("albumin_creatinine_ratio", 45)], ALL_ON)
    assert _zh_detail(kidney, "egfr_30_59") == (
        "估算肾小球滤过率 eGFR 45 mL/min/1.73 m²（CKD 分期 G3a）；尿白蛋白/肌酐比值 ACR 45 mg/g（白蛋白尿分期 A2）"
        "：eGFR 处于 30-59；转诊（非紧急）；核查药物剂量" + ZH_MEASURED
    )
    spo2 = _payload(PatientContext(), [ob("spo2", 93)], ALL_ON)
    assert _zh_detail(spo2, "spo2_low") == (
        "血氧饱和度 93 %（SpO2 量表 1）：偏低：当日临床复核；检查探头并复测" + ZH_MEASURED
    )
    confused = _payload(PatientContext(), [ob("consciousness", "C")], ALL_ON)
    assert _zh_detail(confused, "altered_consciousness") == (
        "ACVPU 评估为 C：新发意识模糊（非清醒）：紧急评估并转运；检测末梢血糖" + ZH_MEASURED
    )


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
    assert EngineText("zh", payload).detail(reason) == bounds(reason["detail"])
    assert reason["detail"].startswith("qSOFA >=2") and bounds(reason["detail"]).startswith("qSOFA ≥2")


@pytest.mark.parametrize("band", list(NEWS2_RESPONSES))
def test_news2_details_keep_the_clinical_response_of_the_band(band: str) -> None:
    """The NEWS2 rules' details carry the RCP Chart 4 response and monitoring of the band, in
    English exactly as the score states it (so the two cannot drift) and in Chinese."""
    monitoring, response = NEWS2_RESPONSES[band]
    assert catalogue_data("en")[f"detail.news2_response.{band}"] == f"{response}; monitoring {monitoring}"
    assert CJK.search(catalogue_data("zh")[f"detail.news2_response.{band}"])
    urgent = _payload(PatientContext(), [ob("resp_rate", 22), ob("heart_rate", 115), ob("spo2", 95)], ALL_ON)
    assert urgent["scores"]["news2"]["band"] == "medium"
    en = EngineText("en", urgent).detail(_reasons("news2_urgent", urgent)[0])
    assert f": {NEWS2_RESPONSES['medium'][1]}; monitoring at least 1-hourly; points: " in en
    assert "紧急响应：由具备急症处理能力的临床医生评估" in _zh_detail(urgent, "news2_urgent")


def test_a_detail_that_cannot_be_filled_is_the_engines_english() -> None:
    # 180/105: grade 3 alone (not the crisis range, whose rule would take the action)
    payload = _payload(PatientContext(), [ob("sbp", 180), ob("dbp", 105)], ALL_ON)
    grade = _reasons("bp_grade_3", payload)[0]
    text = EngineText("zh", payload)
    assert text.detail({**grade, "rule": "a_new_rule"}) == grade["detail"], "no template"
    no_grade = {**grade, "values": {"sbp": 180.0, "dbp": 105.0}}
    assert text.detail(no_grade) == (
        "血压 180/105 mmHg：3级高血压范围（单次测量）；复测血压；转诊评估（非紧急）" + ZH_MEASURED
    ), "the assessment's grade"
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
        "hypertensive crisis range (>180 and/or >120 mmHg); check for target-organ damage; refer urgently (same day)"
        + EN_MEASURED
    )
    both = _payload(PatientContext(), [ob("sbp", 150), ob("dbp", 125)], ALL_ON)
    hearts = _reasons("bp_hearts_urgent", both)[0]
    assert hearts["detail"].startswith("150/125 mmHg: grade 3 range (single reading)")
    assert _zh_detail(both, "bp_hearts_urgent") == (
        "血压 150/125 mmHg：3级高血压范围（单次测量）；高于 200 和/或 110 mmHg；需当日紧急转诊" + ZH_MEASURED
    )
    grade_2 = _payload(PatientContext(), [ob("dbp", 105)], ALL_ON)
    assert (
        _zh_detail(grade_2, "bp_grade_1_2")
        == "血压 ?/105 mmHg：2级高血压范围（单次测量；缺少一项血压，至少为此级别）；非同日多次复测确认；在本机构管理"
        + ZH_MEASURED
    )
    no_band = {
        **both,
        "scores": {**both["scores"], "blood_pressure": {**both["scores"]["blood_pressure"], "band": None}},
    }
    assert EngineText("zh", no_band).detail(hearts) == hearts["detail"], "no grade: the engine's English"


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
        assert EngineText("en").note(note) == _shown_in_english(note)
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
    known = (*phrases.CLAUSES, phrases.NOT_SCORED, *phrases.NOT_SCORED_REASONS, *phrases.RANGE_ITEMS)
    for text in explanations:
        assert EngineText("en").explanation(text) == _shown_in_english(text)
        zh = EngineText("zh").explanation(text)
        _assert_translated(text, zh, known)
        assert zh.endswith("。") and "; " not in zh
    assert details, "a model reached its threshold"
    for payload, reason in details:
        assert EngineText("en", payload).detail(reason) == _shown_in_english(reason["detail"])
        zh = EngineText("zh", payload).detail(reason)
        assert zh.startswith("风险 ") and "，达到阈值 " in zh
        _assert_translated(reason["detail"], zh, (phrases.MODEL_REASON, *known))


def _shown_in_english(text: str) -> str:
    """A note or model explanation as the English page shows it: the engine's words, with every
    reading and model feature named (``sbp`` -> "systolic BP"; not the flag in "patient.<flag>"), a
    model that was not scored named by what it estimates (its code is beside it), comparators as
    ≥ and ≤."""
    en = catalogue_data("en")
    found = phrases.NOT_SCORED.match(text)
    if found is not None:
        text = en[f"model.{found['model']}"] + text.removeprefix(found["model"])
    named = {k.removeprefix("name."): v for k, v in en.items() if k.startswith("name.")}
    codes = sorted((c for c in named if named[c] != c), key=len, reverse=True)
    pattern = re.compile(r"(?<![.\w])(" + "|".join(map(re.escape, codes)) + r")(?!\w)")
    return bounds(pattern.sub(lambda m: named[m[1]], text))


def test_every_shipped_model_has_a_name_in_both_languages(model_set: ModelSet) -> None:
    for language in ("en", "zh"):
        text = EngineText(language)
        for model in model_set.models:
            assert text.model_name(model) != model, (language, model)
            assert CJK.search(text.model_name(model)) or language == "en", model
    assert EngineText("zh").model_name("cvd10") == "10 年心血管病风险"
    assert EngineText("en").model_name("a_model_added_later") == "a_model_added_later", "its code still shows"
    not_scored = phrases.NOT_SCORED.format(model="ckd", reason=phrases.INPUTS_MISSING.format(inputs="age"))
    assert EngineText("zh").explanation(not_scored) == "慢性肾脏病的可能性未评分：缺少必需的输入：年龄。"
    assert (
        EngineText("en").explanation(not_scored)
        == "Chronic kidney disease not scored: required inputs missing: age."
    )


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
    assert zh.explanation(not_scored) == "m未评分：a new reason。"
    sex = phrases.NOT_SCORED.format(
        model="m", reason=phrases.SEX_MISMATCH.format(sex="female", patient_sex="other")
    )
    # a value the catalogue cannot name: that reason stays English, as an unknown one would
    assert zh.explanation(sex) == "m未评分：trained on female patients only; this patient is other。"


def test_every_name_the_text_may_use_has_a_label() -> None:
    features = {f for m in load_models().models.values() for f in m.feature_names}
    for language in ("en", "zh"):
        names = {k.removeprefix("name.") for k in catalogue_data(language) if k.startswith("name.")}
        assert set(CONCEPTS) <= names and features <= names, language
