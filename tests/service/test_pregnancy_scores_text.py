"""The staff pages say why China-PAR, the PCE, FINDRISC and CDRS do not apply in pregnancy, and why
the two 10-year equations do not with established ASCVD, in Chinese as in English (the engine's
phrases ``PREGNANCY_NOT_APPLICABLE``, ``SECONDARY_PREVENTION``): a detail no phrase matched was shown
in English on the Chinese page."""

from __future__ import annotations

import json

import pytest

from tests.triage.test_pregnancy_risk_scores import WOMAN
from triage.assess import compute_scores
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

VALUES: dict[str, float | str] = {"sbp": 138.0, "total_cholesterol": 6.9, "hdl_cholesterol": 1.3}


@pytest.mark.parametrize(
    ("context", "names", "zh"),
    [
        ({"pregnant": True}, ("china_par", "pce", "findrisc", "cdrs"), "妊娠期不适用"),
        ({"known_ascvd": True}, ("china_par", "pce"), "不适用：已确诊动脉粥样硬化性心血管病，属二级预防"),
    ],
)
def test_the_reason_a_score_does_not_apply_reads_in_both_languages(
    context: dict[str, bool], names: tuple[str, ...], zh: str
) -> None:
    patient = PatientContext(**WOMAN, **context)  # type: ignore[arg-type]
    scores = compute_scores(patient, VALUES, (), load_policy())
    for name in names:
        score = json.loads(scores[name].model_dump_json())
        assert score["band"] == "not_applicable", score
        chinese = EngineText("zh").score_detail(name, score)
        assert chinese.startswith(zh) and "not applicable" not in chinese, chinese
        assert EngineText("en").score_detail(name, score) == score["detail"]
