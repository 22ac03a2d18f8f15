"""Every Chinese message says what its English message gives staff: the same placeholders, so no
number, range or list the engine filled in is left out in Chinese - but for the deliberate
rewordings listed (and said why) in ``SAID_OTHERWISE``. The Chinese page of an SpO2 on scale 2
without air or oxygen recorded said "no SpO2 reading" (``score_detail.oximetry.not_classified``
wrote its inputs out as the only ones it had), where the engine said what was missing."""

from __future__ import annotations

from string import Formatter

import pytest

from triage.scores.blood_pressure import blood_pressure
from triage.scores.glycaemia import glycaemia
from triage.scores.kidney import kidney
from triage.scores.oximetry import oximetry
from triage.service.i18n import catalogue_data
from triage.service.pages.engine_text import EngineText

# key -> the en placeholders zh leaves out, and why that drops nothing staff need
SAID_OTHERWISE: dict[str, set[str]] = {
    # adult scores (triage.scores.result.adults_only): said only of a patient under 18, and
    # {high} is then always 130 (OLDEST, "every adult"): zh says "for adults (18 and over) only"
    "score_detail.qsofa.outside_ages": {"high"},
    "score_detail.crb65.outside_ages": {"high"},
    "score_detail.findrisc.outside_ages": {"high"},
    "score_detail.kidney.outside_ages": {"high"},
    # {response:response} is the band's Chart 4 response with its monitoring (detail.news2_response.*,
    # the same band the engine took {monitoring} from: triage.scores.news2.RESPONSES)
    "score_detail.news2": {"monitoring"},
}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_every_chinese_message_has_the_placeholders_of_its_english_one() -> None:
    en, zh = catalogue_data("en"), catalogue_data("zh")
    differ = {
        key: (fields(en[key]) - fields(zh[key]), fields(zh[key]) - fields(en[key]))
        for key in en.keys() & zh.keys()
        if fields(en[key]) != fields(zh[key])
    }
    unexplained = {key: gaps for key, gaps in differ.items() if gaps[1] or gaps[0] != SAID_OTHERWISE.get(key)}
    assert not unexplained, f"zh leaves out (or adds) placeholders of en: {unexplained}"
    assert not SAID_OTHERWISE.keys() - differ.keys(), "listed, yet zh now has en's placeholders"


def test_an_spo2_on_scale_2_without_air_or_oxygen_says_so_in_chinese() -> None:
    score = oximetry(spo2=95, on_oxygen=None, scale2=True).model_dump()
    assert "air or oxygen record" in score["detail"]  # the engine's record
    zh = EngineText("zh").score_detail("oximetry", score)
    assert "吸氧" in zh and "没有血氧饱和度读数" not in zh, zh
    no_reading = oximetry(spo2=None, on_oxygen=None, scale2=False).model_dump()
    assert EngineText("zh").score_detail("oximetry", no_reading) == "未分级：没有血氧饱和度读数"


NOT_CLASSIFIED = {  # each score with nothing to classify, as the engine writes it
    "blood_pressure": lambda: blood_pressure(sbp=None, dbp=None, age=60),
    "glycaemia": lambda: glycaemia(
        glucose_fasting=None, glucose_random=None, hba1c=None, known_diabetes=None
    ),
    "kidney": lambda: kidney(creatinine=None, egfr_measured=None, acr=None, age=60, sex="female"),
    "oximetry": lambda: oximetry(spo2=None, on_oxygen=None, scale2=False),
}


@pytest.mark.parametrize("score", NOT_CLASSIFIED)
def test_not_classified_says_in_chinese_the_inputs_english_names(score: str) -> None:
    """ "not classified: no {inputs}" in both languages names the inputs the engine wrote: the
    Chinese texts wrote their own list out (未分期：没有肌酐、eGFR 或尿白蛋白/肌酐比值读数), which an engine
    naming other inputs would not have changed; a list the catalogue cannot name is shown as the
    engine wrote it, never as the old list."""
    result = NOT_CLASSIFIED[score]().model_dump()
    inputs = result["detail"].removeprefix("not classified: no ")
    assert EngineText("en").score_detail(score, result) == result["detail"]
    zh = EngineText("zh").score_detail(score, result)
    assert zh.endswith("：没有" + catalogue_data("zh")[f"engine.value.{inputs}"]), zh
    other = {**result, "detail": "not classified: no serum cystatin C"}  # inputs the catalogue lacks
    assert EngineText("zh").score_detail(score, other) == "not classified: no serum cystatin C"
