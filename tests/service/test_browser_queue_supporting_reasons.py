"""The queue's short list of reasons names the rule whose action applies, not the lower rules that
only support it: a severe pressure with a symptom recorded (the demo's DEMO-0014) listed "BP >180
and/or >120 ... refer urgently" beside the hypertensive emergency, as if it were a reason of its
own, though the engine says it is supporting evidence for the emergency (``deferred_to``,
``triage.rule_precedence``; the patient page still says both). A real Chromium on a real uvicorn
server over a real SQLite file, at 1366 px."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

PRESSURE = [{"code": "sbp", "value": 194, "unit": "mmHg"}, {"code": "dbp", "value": 118, "unit": "mmHg"}]


def test_the_queue_lists_no_supporting_reason_as_its_own(browser: object, desk: Desk) -> None:
    visit = WALK_IN | {
        "patient": {"mrn": "SUPPORT-1", "name": "Synthetic Patient", "sex": "female"},
        "age_years": 58,
        "observations": PRESSURE,
        "context": {"acute_symptoms": ["chest_pain"]},
    }
    made = desk.api(Role.nurse, "/assessments", visit)
    reasons = made["assessment"]["reasons"]
    supporting = {r["rule"] for r in reasons if r["values"].get("deferred_to") == "hypertensive_emergency"}
    assert supporting, reasons  # the engine found a lower pressure rule supporting the emergency
    page: Any = log_in(browser, desk, Role.nurse, 1366, "en")
    row = page.locator(f"tr:has(a[href='/encounters/{made['encounter_id']}'])")
    flags = row.locator("td.reasons .flag")
    shown = [flags.nth(i).get_attribute("data-rule") for i in range(flags.count())]
    assert "hypertensive_emergency" in shown, shown
    assert not supporting & set(shown), shown
    close_tab(page)
