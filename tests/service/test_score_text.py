"""The scores table and the readings an assessment did not use, on the staff pages in the user's
language: each score's name, band and detail (why it says what it says) filled from the phrase the
score wrote, each unused reading with why; the engine's English wherever that cannot be done.
Split from ``test_engine_text.py`` (reasons, notes, explanations and the page), whose helpers it uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from string import Formatter
from typing import Any

from referral.clock import MACHINE
from tests.service.test_engine_text import CJK, _assert_translated, _payload, _without_conversions
from tests.triage.conftest import NOW, RECENT, normal_vitals, ob
from tests.triage.test_phrases import ignored_readings
from tests.triage.test_rules import ALL_ON
from triage import phrases
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock
from triage.service.pages.engine_text import EngineText, bounds

# --- the scores table -----------------------------------------------------------------------------


def _band_literals(name: str) -> set[str]:
    """The bands a score's module writes as literals (``band = "high" if ... else "low"``,
    ``band, detail = "incomplete", ...``, ``band="not_applicable"``), read from its source."""
    import ast
    import importlib
    import inspect

    def strings(node: ast.expr | None) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return strings(node.body) | strings(node.orelse)
        return set()

    found: set[str] = set()
    tree = ast.parse(inspect.getsource(importlib.import_module(f"triage.scores.{name}")))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "band":
                    found |= strings(node.value)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(t, ast.Name) and t.id == "band":
                            found |= strings(v)
        elif isinstance(node, ast.keyword) and node.arg == "band":
            found |= strings(node.value)
    return found


def _every_band() -> dict[str, set[str]]:
    """Every band each score can give: from the scores' own band functions, every band literal
    their code writes, and every band they gave on random inputs (some missing) - so a band a
    score starts to give (as ``incomplete`` did) needs a label before this passes."""
    from triage.scores import china_par, crb65, findrisc, glycaemia, kidney, news2, oximetry, pce
    from triage.scores.blood_pressure import ADOLESCENT, GRADES

    totals = range(0, 30)
    bands = {
        "news2": {news2.band_for(t, red) for t in totals for red in (False, True)},
        "oximetry": {
            oximetry.oximetry(spo2=v, on_oxygen=on, scale2=scale2).band
            for v in range(40, 101)
            for on in (False, True)
            for scale2 in (False, True)
        },
        "blood_pressure": set(GRADES) | set(ADOLESCENT),
        "glycaemia": set(glycaemia.SEVERITY),
        "qsofa": set(),
        "crb65": {crb65.band_for(t) for t in range(5)},
        "china_par": {china_par.category(r / 10) for r in range(0, 1000)},
        "pce": {pce.category(r / 10) for r in range(0, 1000)},
        "findrisc": {findrisc.band_for(t)[0] for t in totals},
        "cdrs": set(),
        "kidney": {kidney.gfr_category(e) for e in range(0, 150)}
        | {kidney.albuminuria_category(a) for a in range(0, 400)},
    }
    given: dict[str, set[str]] = {name: set() for name in bands}
    for name, score in _score_results():
        if score["band"] is not None:
            given[name].add(score["band"])
    for name in bands:
        literals = _band_literals(name)
        assert literals <= given[name], (
            name,
            "a band the code writes is never given",
            literals - given[name],
        )
        bands[name] |= given[name] | literals
    return {name: {str(b) for b in names if b is not None} for name, names in bands.items()}


def test_every_band_is_found_and_an_incomplete_score_is_one() -> None:
    """The enumeration finds ``incomplete`` wherever a score can give it (a score with missing
    items below its threshold) and ``not_applicable`` outside a score's ages."""
    bands = _every_band()
    incomplete = {name for name, names in bands.items() if "incomplete" in names}
    assert incomplete == {"news2", "qsofa", "crb65", "findrisc", "cdrs", "blood_pressure"}
    assert {"crb65", "findrisc", "cdrs", "china_par", "pce"} <= {
        name for name, names in bands.items() if "not_applicable" in names
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
    assert rows["news2"] == ("NEWS2 早期预警评分", "≥5 分", "中风险"), "a lower bound: items are missing"
    assert rows["oximetry"] == ("脉搏血氧饱和度", "93 %", "偏低")
    assert rows["blood_pressure"] == ("血压分级", "", "3级高血压范围"), "a grade is named, not its index"
    assert rows["kidney"] == (
        "肾功能（eGFR，KDIGO 分期）",
        "41 mL/min/1.73 m²",
        "G3b（中到重度下降）；A2（白蛋白尿中度增加）",
    )
    assert rows["crb65"][2] == "中风险" and rows["china_par"][1:] == ("", "")
    assert (
        en.score_name("news2"),
        en.score_value(scores["news2"]),
        en.score_band("news2", scores["news2"]),
    ) == (
        "NEWS2",
        "≥5 points",
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
# inputs too rare in the random draws for every phrase to be written (an adolescent with one
# pressure missing and the other below stage 1; an under-13 in the crisis range), or given only by
# a keyword the draws leave at its default (a child's SpO2: age)
_FIXED: dict[str, tuple[dict[str, object], ...]] = {
    "blood_pressure": ({"sbp": 125.0, "dbp": None, "age": 15}, {"sbp": 190.0, "dbp": 100.0, "age": 9}),
    "oximetry": tuple(
        {"spo2": spo2, "on_oxygen": False, "scale2": False, "age": 4} for spo2 in (91.0, 93.0, 95.0, 97.0)
    ),
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
        for kwargs in _FIXED.get(name, ()):
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
        assert en == bounds(body) or found[0] in (phrases.NOT_COMPUTED, phrases.OUTSIDE_RANGE), (en, body)
        assert ">=" not in zh + en and "<=" not in zh + en, "a bound reads ≥ / ≤ in both languages"
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
    assert zh.score_detail("news2", news2) == f"NEWS2 ≥5 分（SpO2 量表 1）：{response}", (
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
    crisis = _score("blood_pressure", sbp=196, dbp=None, age=None)
    assert zh.score_detail("blood_pressure", crisis) == (
        "血压 196/? mmHg：3级高血压范围（单次测量；缺少一项血压，至少为此级别）；达高血压危象范围（>180 和/或 >120 mmHg）"
    )
    kidney = _score("kidney", creatinine=None, egfr_measured=52.0, acr=None, age=60, sex="female")
    assert zh.score_detail("kidney", kidney) == "估算肾小球滤过率 eGFR 52 mL/min/1.73 m²（CKD 分期 G3a）"
    glucose = _score("glycaemia", glucose_fasting=7.4, glucose_random=None, hba1c=None, known_diabetes=True)
    assert zh.score_detail("glycaemia", glucose) == "糖尿病范围（已知糖尿病）"
    assert zh.score_detail("oximetry", _score("oximetry", spo2=None, on_oxygen=None, scale2=False)) == (
        "未分级：没有血氧饱和度读数"
    )


def test_a_score_detail_that_cannot_be_filled_is_the_engines_english() -> None:
    zh = EngineText("zh")
    crb65 = _score("crb65", consciousness="A", resp_rate=32, sbp=None, dbp=None, age=70)
    assert "; incomplete, missing sbp, dbp" in crb65["detail"]
    assert zh.score_detail("crb65", crb65) == "CRB-65 ≥2 分：中风险"
    unknown_band = {**crb65, "band": "a_new_band"}
    assert zh.score_detail("crb65", unknown_band) == bounds(crb65["detail"]), "whole, with its missing items"
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
    assert set(by_reason) == {
        "qc",
        "not_final",
        "cannot_be_done",
        "in_future",
        "stale",
        "superseded",
        "implausible_pair",
    }
    for reading in ignored:
        shown = zh.ignored(reading)
        _assert_translated(reading["detail"], shown, phrases.IGNORED)
        assert en.ignored(reading) != "" and not CJK.search(en.ignored(reading))
    hours = f"{policy.freshness.max_age_hours('resp_rate'):g}"
    assert zh.ignored(by_reason["stale"]) == f"测量时间已超过 {hours} 小时，已过期"
    later = clock(RECENT.isoformat(), clinic=MACHINE)
    assert zh.ignored(by_reason["superseded"]) == f"已采用 {later} 的较新体温结果"
    assert en.ignored(by_reason["superseded"]) == f"a later temperature result from {later} is used"
    assert (
        zh.ignored(by_reason["in_future"]) == f"测量时间晚于评估时间 {clock(NOW.isoformat(), clinic=MACHINE)}"
    )
    assert zh.ignored(by_reason["qc"]) == "质控结果"
    assert zh.ignored(by_reason["not_final"]) == "初步结果；仅采用最终结果或更正结果"
    assert zh.ignored(by_reason["cannot_be_done"]) == "设备报告该项检测无法完成"
    assert zh.ignored(by_reason["implausible_pair"]) == (
        "舒张压 140 mmHg 不低于同次测量的收缩压 80 mmHg，是否两者填反了？两者均未采用；请重新测量"
    )


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
    assert zh.value("neg") == "阴性" and zh.value("2+") == "2+" and zh.value("A") == "A（清醒）"
    assert zh.value("cannot be done") == "cannot be done", "another shape: as it is"
    assert (
        zh.measurement(_row("temperature", 37.9, "Cel")) == "37.9 °C"
        and zh.measurement(_row("glucose_random", 1.1, "mmol/L", comparator="<")) == "<1.1 mmol/L"
    )
    assert (
        zh.measurement(_row("heart_rate", 96.0, "/min")) == "96 次/分"
        and zh.measurement(_row("supplemental_o2", None, None, value_text="air")) == "未吸氧"
    )
    assert (
        zh.names(["current_smoker", "region_north", "a_new_field"])
        == "目前吸烟、居住在北方（长江以北）、a_new_field"
    )


def _row(code: str, value: float | None, unit: str | None, **more: Any) -> dict[str, Any]:
    """An ``observations`` row as the patient page gets it (a log before migration 0016: no
    ``reported_*`` keys unless given)."""
    return {"code": code, "value_num": value, "value_text": None, "comparator": None, "unit": unit, **more}


def test_a_converted_reading_shows_its_codes_decimals_and_the_value_as_reported() -> None:
    """101.5 °F is stored as 38.6111111 °C; the page showed "38.6111 °C" and not what was typed."""
    stored = Observation.create("temperature", 101.5, "[degF]", observed_at="2026-12-05T08:00:00+08:00")
    row = {**_row("temperature", stored.value, "Cel"), "reported_value": 101.5, "reported_unit": "[degF]"}
    en, zh = EngineText("en"), EngineText("zh")
    assert en.measurement(row) == "38.6 °C (reported 101.5 °F)"
    assert zh.measurement(row) == "38.6 °C（原始报告值 101.5 °F）"
    glucose = {
        **_row("glucose_random", 600 / 18.016, "mmol/L", comparator=">"),
        "reported_value": 600.0,
        "reported_unit": "mg/dL",
    }
    assert en.measurement(glucose) == ">33.3 mmol/L (reported >600 mg/dL)"
    assert en.measurement(_row("glucose_random", 5.55, "mmol/L")) == "5.55 mmol/L", "as typed: every digit"
    # the reading an assessment used, in a reason's detail
    used = EngineText("en", {"observations_used": [stored.model_dump(mode="json")]})
    assert used.reading("temperature") == "38.6 °C (reported 101.5 °F)"


def test_one_point_is_a_point_not_points() -> None:
    """CRB-65 1 showed '1 points' in the scores table; 0 and 2 stay plural, Chinese says 分 for each."""
    en, zh = EngineText("en"), EngineText("zh")
    assert [en.score_value({"value": v, "unit": "points", "complete": True}) for v in (0, 1, 2)] == [
        "0 points",
        "1 point",
        "2 points",
    ]
    assert en.score_value({"value": 1, "unit": "points", "complete": False}) == "≥1 point"
    assert zh.score_value({"value": 1, "unit": "points", "complete": True}) == "1 分"
