"""The patient page's referrals on a phone, in a real Chromium on a real uvicorn server over a real
SQLite file, in Chinese and English: at 390 px the table ran off the screen - the reason (what the
receiving hospital is told) and the state's times were only reached by scrolling the table sideways,
"referred by clinician, 01:13" cut at the screen's edge. Each referral is a block now, as in the
referrals list: its number beside where to, urgency, state and reason, each said with its heading,
on screen and printed; at 1280 px it stays a table with its column headings."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]
REASON = "Suspected sepsis with hypotension, needs IV antibiotics and ICU review; seen at the clinic"
# what the cell says before its value: its heading (the data-label) on a phone, "none" in a table
BEFORE = "cell => getComputedStyle(cell, '::before').content"
SAYS = {
    "en": ("To: ", "Reason: ", "Urgency: ", "Status: "),
    "zh": ("转至：", "理由：", "紧急程度：", "状态："),
}


def _referring(browser: object, desk: Desk) -> tuple[Any, int]:
    """An emergency walk-in the clinician referred on its page with a long reason: her page, signed
    in in English at 1280 px, and its encounter."""
    made = desk.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": "PHONE-REF-1"}})
    page: Any = log_in(browser, desk, Role.clinician, 1280, "en")
    page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
    page.fill("#refer-form input[name=reason]", REASON)
    with page.expect_navigation():
        page.locator("#refer-form button[type=submit]").click()
    return page, int(made["encounter_id"])


def _referred(browser: object, desk: Desk) -> int:
    """:func:`_referring`'s encounter, the clinician's page closed."""
    page, encounter_id = _referring(browser, desk)
    close_tab(page)
    return encounter_id


def test_a_referral_on_the_patient_page_is_read_whole_on_a_phone(browser: object, desk: Desk) -> None:
    """The clinician who referred the patient reads the patient's page on a phone in each language,
    in the session she referred in, taken to Chinese by the header's switch - each language signed
    her in through the login form again, a new context, an argon2id verify and the queue, for a
    test about the page, not the login."""
    page, encounter_id = _referring(browser, desk)
    for language, (to, reason, urgency, status) in SAYS.items():
        switched(page, language, 390)  # Chinese: the switch loads the patient's page again, at 390 px
        if language == "en":  # (already English: the page she referred on, loaded again at 390 px)
            page.goto(f"{desk.url}/encounters/{encounter_id}")
        assert page.url == f"{desk.url}/encounters/{encounter_id}", page.url
        table = page.locator("#encounter-referrals")
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            where = f"{language}, {media}, 390 px"
            # the cells by their column (2: to, 3: urgency, 4: status, 5: reason)
            for cell, heading in ((2, to), (3, urgency), (4, status), (5, reason)):
                shown = table.locator(f"tbody tr:first-child td:nth-child({cell})")
                box = shown.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (
                    where,
                    cell,
                    box,
                )
                said = shown.evaluate(BEFORE)
                assert said != "none" and shown.get_attribute("data-label") == heading.rstrip(": ："), (
                    where,
                    cell,
                    said,
                )
            assert REASON in table.locator("tbody tr:first-child td:nth-child(5)").inner_text()
            for times in table.locator("tbody tr:first-child td:nth-child(4) small").all():
                box = times.bounding_box()
                assert box is not None and box["x"] + box["width"] <= 390, (where, times.inner_text(), box)
            assert_fits(page, f"the patient page with a referral ({where})")
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1280, "height": 900})
        headings = table.locator("thead th")
        assert headings.first.is_visible() and headings.count() == 5, "a table with its headings on a desktop"
        assert table.locator("tbody tr:first-child td:nth-child(5)").evaluate(BEFORE) == "none", "no heading"
    close_tab(page)
