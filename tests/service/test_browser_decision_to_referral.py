"""A doctor reaches the referral and the override from the decision: on the patient page they are
the last cards, under the readings, the entry forms, the devices and the reasons - at 768 px some
eight screens down - and the decision box led only to the reasons. Now, for a clinician, it also
has "Refer or change the decision ↓" / "转诊或更改决定 ↓", which brings the referrals card (its
referral form) into view, by mouse or keyboard (the next Tab stop after "Why"). A nurse, who can
do neither, has no such link. In a real Chromium on a real uvicorn server over a real SQLite file,
English at 768 px and Chinese at 360 px; not printed."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: (the arrow glued to the last word: test_browser_decision_link_arrow.py)
LINK = {"en": "Refer or change the decision\u00a0↓", "zh": "转诊或更改决定\u00a0↓"}


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height


def test_the_decision_leads_a_clinician_to_the_referral(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": "TO-REFER"}})
    page: Any = log_in(browser, desk, Role.clinician, 768, "en")
    for language, width in (("en", 768), ("zh", 360)):
        switched(page, language, width)  # (signed in once: the language switch for Chinese)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        assert not _in_view(page, "#refer-form"), "the referral form is far down the page"
        link = page.locator("#decision").get_by_role("link", name=LINK[language])
        link.click()
        assert _in_view(page, "#refer-form"), language
        # by keyboard: the next stop after "Why: the reasons and scores"
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        page.locator("#decision a[href='#reasons']").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == LINK[language]
        page.keyboard.press("Enter")
        assert _in_view(page, "#refer-form"), language
        page.emulate_media(media="print")
        assert not link.is_visible(), "not printed"
    close_tab(page)
    nurse: Any = log_in(browser, desk, Role.nurse, 768, "en")
    nurse.goto(f"{desk.url}/encounters/{made['encounter_id']}")
    assert nurse.locator("#decision").get_by_role("link", name=LINK["en"]).count() == 0
    close_tab(nurse)
