"""A model explanation stored in the engine's former wording still shows in Chinese: assessments
are never rewritten, and ce17e00c changed the age bound's words ("trained on ages {low}-{high}" to
"the model is for ages {low}-{high}"), after which an older assessment's reason showed in English on
the zh page. 326c9c51 (an out-of-range input with its unit), f2a2cd54 (an imputed one) and 877f33c0
(a stand-in) changed the values only. The texts below are what the engine at 5924ee28 wrote."""

from __future__ import annotations

import pytest

from triage.service.pages.engine_text import EngineText

# the engine at 5924ee28 (before b2a05e7d..877f33c0): a model not scored for the patient's age
STORED_AGE = {
    "cvd10 not scored: outside the model population: age 82 years (trained on ages 32-70).": (
        "10 年心血管病风险未评分：不属于模型适用人群：年龄 82 岁（训练人群年龄 32-70 岁）。"
    ),
    "ckd not scored: outside the model population: age 5 years (trained on ages 19-90).": (
        "慢性肾脏病的可能性未评分：不属于模型适用人群：年龄 5 岁（训练人群年龄 19-90 岁）。"
    ),
}
# ... and a scored one, every value without its unit
STORED_SCORED = (
    "cvd10 1.0.0: 70.5% (high; medium from 5%, high from 10%); main drivers (log-odds vs training"
    " median): bmi +3.10, sbp +1.95, age -0.61; missing, imputed with the training median: dbp=82,"
    " on_antihypertensives=0; so this risk is less certain: held-out AUROC 0.603 on the card's 124 rows"
    " with an input imputed (7 events), against 0.794 on its 1126 rows with every input measured; too"
    " few outcomes on those rows for a firm estimate; outside the training range: sbp=300 (trained on"
    " 83.5-244), bmi=85 (trained on 15.54-56.8); glucose_random taken from glucose_fasting (8.5; no"
    " glucose_random recorded); teaching data - not for clinical use - not validated on a Chinese"
    " primary-care population."
)


@pytest.mark.parametrize("stored", sorted(STORED_AGE))
def test_a_stored_age_bound_in_the_former_words_shows_in_chinese(stored: str) -> None:
    assert EngineText("zh").explanation(stored) == STORED_AGE[stored]
    english = EngineText("en").explanation(stored)
    assert "(trained on ages " in english and english.endswith(".")


def test_a_stored_explanation_without_units_shows_in_chinese() -> None:
    zh = EngineText("zh").explanation(STORED_SCORED)
    assert "填补：舒张压=82、" in zh, zh
    assert "超出训练数据范围：收缩压=300（训练范围 83.5-244）、体重指数=85（训练范围 15.54-56.8）" in zh, zh
    assert "随机血糖取自空腹血糖（8.5；未记录随机血糖）" in zh, zh
    assert "trained" not in zh and "taken from" not in zh, zh
