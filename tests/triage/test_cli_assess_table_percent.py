"""`triage assess --table` shows a risk as the score's detail does (bdc4164), never past a cut-point
it did not reach: China-PAR 9.999998 % (medium, no cvd_risk_high) was "10" in the scores table (four
significant digits) beside "9.99 % (medium)" in the detail; a model's risk just below its threshold
read "30.0% vs threshold 30.0%". The real CLI on a JSON input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW
from tests.triage.test_risk_percent_shown import MAN

# a man of 55 whose China-PAR is 9.999998 % at a systolic of 157.7317 (tests/triage/test_risk_percent_shown.py)
PATIENT = {k: v for k, v in MAN.items() if k not in ("tc_mgdl", "hdl_mgdl")}  # the readings give those


def _reading(code: str, value: float, unit: str) -> dict[str, object]:
    return {"code": code, "value": value, "unit": unit, "observed_at": NOW.isoformat()}


def test_the_table_shows_a_risk_below_a_cut_point_below_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case.json"
    readings = [
        _reading("sbp", 157.7317, "mmHg"),
        _reading("dbp", 90, "mmHg"),
        _reading("total_cholesterol", 200, "mg/dL"),
        _reading("hdl_cholesterol", 50, "mg/dL"),
    ]
    document = {"assessed_at": NOW.isoformat(), "patient": PATIENT, "observations": readings}
    case.write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(case), "--no-models", "--table")
    assert code == 0, err
    (line,) = [line for line in out.splitlines() if line.strip().startswith("china_par ")]
    assert line.split()[1:3] == ["9.99", "%"] and line.split()[3] == "medium", line
    assert "cvd_risk_high" not in out


@pytest.mark.parametrize(
    ("probability", "threshold", "shown"),
    [(0.299996, 0.3, "29.99%"), (0.3, 0.3, "30.0%"), (0.30004, 0.3, "30.0%"), (0.123, 0.3, "12.3%")],
)
def test_a_model_risk_is_never_shown_past_its_threshold(
    probability: float, threshold: float, shown: str
) -> None:
    from triage.cli.assess import _risk_shown

    assert _risk_shown(probability, threshold) == shown


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_staff_pages_show_the_risk_as_its_detail_does(language: str) -> None:
    """The patient page's scores table said "10 %" and "medium" beside a detail of 9.99 %."""
    from tests.service.test_engine_text import _payload
    from tests.triage.conftest import ob
    from tests.triage.test_rules import ALL_ON
    from triage.patient import PatientContext
    from triage.service.pages.engine_text import EngineText

    readings = [
        ob("sbp", 157.7317),
        ob("dbp", 90),
        ob("total_cholesterol", 200, "mg/dL"),
        ob("hdl_cholesterol", 50, "mg/dL"),
    ]
    payload = _payload(PatientContext.model_validate(PATIENT), readings, ALL_ON)
    score = payload["scores"]["china_par"]
    assert score["band"] == "medium" and 9.99 < score["value"] < 10
    assert EngineText(language, payload).score_value(score) == "9.99 %"
    other = dict(score, value=23.14)  # away from a cut-point: one decimal as before
    assert EngineText(language, payload).score_value(other) == "23.1 %"
