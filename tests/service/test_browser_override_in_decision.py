"""The decision box of a patient page a clinician overrode says who changed the decision, when and
why - on screen and on paper. It said "Local care (engine: EMERGENCY TRANSFER) · Assessed 03:05:39
by nurse" and nothing more: a nurse (or the hospital reading the printed page) saw an emergency
sent home under the nurse's name, the clinician and the reason only in the "Clinician overrides"
list at the page's foot, some eight screens down on a phone. Keyboard only, in a real Chromium on a
real uvicorn server over a real SQLite file, Chinese at 320 px and English at 1280 px."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.test_browser_page_decision_proposes import enter_and_read_notice
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: the decision chosen and the engine's, as the decision box says them
CHOSEN = {"en": "Local care", "zh": "本院诊治"}
#: who changed it, in the box's words
CHANGED = {"en": "Changed to Local care", "zh": "改为本院诊治"}


def test_the_decision_box_names_the_clinician_who_changed_it_and_why(browser: object, desk: Desk) -> None:
    """The clinician and the nurse each signed in once, in Chinese, their pages taken to English by
    the language switch (tests/service/switched.py) for the second visit."""
    doctor: Any = log_in(browser, desk, Role.clinician, 320, "zh")
    nurse: Any = log_in(browser, desk, Role.nurse, 320, "zh")
    for language, width in (("zh", 320), ("en", 1280)):
        made = desk.api(
            Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": f"OVERRIDE-BOX-{language}"}}
        )
        assert made["disposition"] == "emergency_transfer"
        reason = f"seen in person, SpO2 98 % on recheck ({language})"
        switched(doctor, language, width)
        doctor.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        form = doctor.locator("#override-form")
        form.locator("select[name=disposition]").select_option("local_care")
        form.locator("textarea[name=reason]").focus()
        doctor.keyboard.type(reason)
        doctor.keyboard.press("Tab")  # to the form's button
        enter_and_read_notice(doctor)

        switched(nurse, language, width)
        nurse.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        box = nurse.locator("#decision")
        said = box.inner_text()
        where = f"the decision box ({language}, {width} px)"
        assert CHOSEN[language] in said, f"{where}: {said}"
        assert CHANGED[language] in said, f"{where} does not say the decision was changed: {said}"
        changed = box.locator("#changed-by")
        assert Role.clinician.value in changed.inner_text(), f"{where} does not name the clinician: {said}"
        assert reason in changed.inner_text(), f"{where} does not give the clinician's reason: {said}"
        assert_fits(nurse, where)
        nurse.emulate_media(media="print")
        assert changed.is_visible(), f"{where}: the change is not printed"
        assert reason in box.inner_text()
    close_tab(doctor)
    close_tab(nurse)
