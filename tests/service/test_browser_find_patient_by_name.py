"""Yesterday's patient found by name: a patient who phones or comes back without the card gives a
name, not a record number, and "Find a patient" took the record number only ("No patient has
record number Wang"). A text that is no record number lists the patients whose name holds it
(Latin letters in any case, Chinese as typed), their latest visit first, each with the record number,
sex and latest visit, linked to their visits; a record number typed exactly is still the patient at
once. In a real Chromium on a real uvicorn server over a real SQLite file: English at 1366 px,
Chinese at 360 px (nothing sideways), the keyboard from the field to the patient. One service for
the module (``clinic``; each test started one of its own) and one tab of the nurse's
(``switched.kept_tab``: the login form once; each language and width a tab of its own before, a
Chromium renderer each), taken to each test's language by the header's switch on the test's own
page: only the first test stores patients, and the second looks up a text no record number or
name holds, so neither's rows answer the other's question, in either order."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic
from tests.service.test_browser_find_patient import _yesterday
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]


def _named(desk: Desk, mrn: str, name: str, sex: str) -> None:
    desk.api(
        Role.nurse, "/assessments", {"patient": {"mrn": mrn, "name": name, "sex": sex}, "observations": CALM}
    )


def test_a_nurse_finds_yesterdays_patient_by_part_of_the_name(browser: object, clinic: Desk) -> None:
    desk = clinic
    encounter = _yesterday(desk, "NAME-1")
    db = desk.app.state.runtime.databases.get()
    with db.conn:
        db.conn.execute("UPDATE patients SET name = 'Wang Fang', sex = 'female' WHERE mrn = 'NAME-1'")
    _named(desk, "NAME-2", "Wangari Maathai", "female")
    _named(desk, "NAME-3", "Li Lei", "male")
    _named(desk, "NAME-4", "王芳", "female")
    for language, width, typed, found in (
        ("en", 1366, "wang", ["Wangari Maathai", "Wang Fang"]),  # today's visit first
        ("zh", 360, "王", ["王芳"]),
    ):
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/patients")
        switched(page, language, width)  # (which leads back to /patients, loaded again)
        # the field takes the focus by itself (autofocus), which Chromium gives it at its next
        # rendering after the load: '王' typed at once (one insertText) sometimes went to the page
        expect(page.locator("#find-mrn")).to_be_focused()
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{desk.url}/patients?mrn=*")
        rows = page.locator("#found table.named tbody tr")
        assert [r.locator("td").first.inner_text().strip() for r in rows.all()] == found, language
        assert page.locator("#not-found").count() == 0
        assert_fits(page, f"the patients named ({language}, {width} px)")
        if language == "en":
            row = rows.nth(1)
            assert "NAME-1" in row.inner_text() and "Female" in row.inner_text(), row.inner_text()
            # the keyboard: from the list to the patient's visits, to yesterday's visit
            row.locator("a").focus()
            page.keyboard.press("Enter")
            page.wait_for_url(f"{desk.url}/patients?mrn=NAME-1")
            assert page.locator(f'#found tr[data-encounter="{encounter}"]').count() == 1


def test_nobody_of_that_number_or_name_says_both(browser: object, clinic: Desk) -> None:
    page: Any = kept_tab(browser, clinic, Role.nurse, 768)
    page.goto(f"{clinic.url}/patients?mrn=Nobody")
    switched(page, "en", 768)  # (which leads back to this page when it was in Chinese)
    said = page.locator("#not-found").inner_text()
    assert "record number" in said and "name" in said, said
