"""The hypertensive-emergency reason says who records the acute symptoms truthfully: staff (a nurse
asks and records them on the patient page, as a clinician may), not "a clinician" only - in the
engine's text and in both page languages."""

from __future__ import annotations

import json
from pathlib import Path

from triage.rules.blood_pressure import BLOOD_PRESSURE

MESSAGES = Path(__file__).resolve().parents[2] / "triage" / "service" / "messages"


def test_the_hypertensive_emergency_reason_says_staff_recorded_the_symptoms() -> None:
    (rule,) = [r for r in BLOOD_PRESSURE if r.name == "hypertensive_emergency"]
    en = json.loads((MESSAGES / "en.json").read_text(encoding="utf-8"))["rule.hypertensive_emergency"]
    zh = json.loads((MESSAGES / "zh.json").read_text(encoding="utf-8"))["rule.hypertensive_emergency"]
    assert rule.description.endswith("(recorded by staff)")
    assert en == rule.description
    assert "医务人员记录" in zh and "医生" not in zh
