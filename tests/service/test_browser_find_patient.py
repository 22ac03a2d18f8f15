"""Yesterday's patient found in a real Chromium (real uvicorn, real SQLite file): from the menu with
the mouse, the record number typed and sent with Enter, the visit reached with the keyboard; on a
phone (390 px), a tablet (768 px) and a desktop (1280 px), in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]


def _yesterday(desk: Desk, mrn: str) -> int:
    """A calm visit opened over the API, moved to yesterday and closed; its id."""
    made = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": mrn}, "observations": CALM})
    encounter = int(made["encounter_id"])
    rt = desk.app.state.runtime
    day = (rt.clock.today() - timedelta(days=1)).isoformat()
    db = rt.databases.get()
    with db.conn:
        db.conn.execute(
            "UPDATE encounters SET day = ?, started_at = ? WHERE id = ?",
            [day, f"{day}T09:15:00+00:00", encounter],
        )
    desk.api(Role.clinician, f"/encounters/{encounter}/close", {"reason": "sent home"})
    return encounter


@pytest.fixture(scope="module")
def nurse(browser: object, clinic: Desk) -> Callable[[str], Any]:
    """The nurse's one tab for this module's tests (switched.kept_tab: the login form once), in
    ``language`` at 390 px - the header's switch when it was in the other - from which each test
    lays the page out at its widths and opens its own pages: each test signed in again for every
    width and language, eight logins (an argon2 hash verified, a new context and the queue loaded
    each), then one per language, each a tab of its own (a Chromium renderer). The tests look up
    only their own patients (FIND-B-1, FIND-B-2), so neither's rows answer the other's question."""

    def in_language(language: str) -> Any:
        page = kept_tab(browser, clinic, Role.nurse, 390)
        switched(page, language, 390)  # (on the page it was left on: the queue after the login)
        return page

    return in_language


def test_a_nurse_finds_yesterdays_patient_from_the_menu(clinic: Desk, nurse: Callable[[str], Any]) -> None:
    encounter = _yesterday(clinic, "FIND-B-1")
    for language in ("zh", "en"):
        page = nurse(language)
        for width in (390, 768, 1280):
            where = f"{width} px, {language}"
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{clinic.url}/queue")  # where the login leads
            page.click("nav a[href='/patients']")
            page.wait_for_url(f"{clinic.url}/patients")
            # the field takes the focus by itself (autofocus: at Chromium's next rendering after
            # the load, so waited for; it never coming fails the wait)
            expect(page.locator("#find-mrn")).to_be_focused()
            page.keyboard.type("FIND-B-1")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{clinic.url}/patients?mrn=FIND-B-1")
            assert page.locator("#find-mrn").input_value() == "FIND-B-1", where
            assert page.locator("#found table.visits tbody tr").count() == 1, where
            assert_fits(page, f"/patients ({where})")
            # Tab from the field: the button, then the visits (their scrolling region first)
            page.focus("#find-mrn")
            stops = []
            for _ in range(4):
                page.keyboard.press("Tab")
                stops.append(
                    page.evaluate(
                        "document.activeElement.getAttribute('href') || document.activeElement.tagName"
                    )
                )
                if stops[-1].startswith("/"):
                    break
            assert stops[0] == "BUTTON" and stops[-1] == f"/encounters/{encounter}", (where, stops)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{clinic.url}/encounters/{encounter}")


def test_what_was_found_is_where_the_focus_lands(clinic: Desk, nurse: Callable[[str], Any]) -> None:
    """A screen reader says the answer: found, the focus is on the patient's heading (its name and
    number, then the visits); not found, it stays in the field, described by "No patient has ..."."""
    _yesterday(clinic, "FIND-B-2")
    for language in ("zh", "en"):
        page = nurse(language)
        page.set_viewport_size({"width": 768, "height": 900})
        page.goto(f"{clinic.url}/patients")
        # the page focuses the field itself; wait for that (not a fixed time) before typing
        expect(page.locator("#find-mrn")).to_be_focused()
        page.keyboard.type("FIND-B-2")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{clinic.url}/patients?mrn=FIND-B-2")
        expect(page.locator("#found-patient")).to_be_focused()
        page.keyboard.press("Tab")  # on to the visits
        assert page.evaluate("document.activeElement.closest('#found') !== null"), language
        page.goto(f"{clinic.url}/patients?mrn=NOBODY-9")
        expect(page.locator("#find-mrn")).to_be_focused()
        described = page.locator("#find-mrn").get_attribute("aria-describedby").split()
        assert "not-found" in described, (language, described)
