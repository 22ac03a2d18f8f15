"""The referrals list (``/referrals``) says who made each referral ("Referred by clinician" /
"clinician 建立", ``referrals.made_by_list``) in the status cell, as the patient page does - it said
who changed the status only. The list has a Created column, so the line does not repeat the time
(it said "referred by clinician, 16:40:12" beside "16:40"), and its lines start alike: "referred
by ..." was lower case under "Sent by ..." (``referrals.status_by.*``). The patient page, which has
no such column, keeps the time ("Referred by clinician, 16:40:12", ``referrals.made_by``). In a real
Chromium on a real uvicorn server over a real SQLite file, in English and Chinese: at 390 px (each
referral a block) the line is inside the screen, and at 1280 px it is in the status cell of the
table."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock

__all__ = ["browser", "desk", "pytestmark"]

SAID = {"en": "Referred by clinician", "zh": "clinician 建立"}


def test_the_list_says_who_made_a_referral_once_with_its_time_in_the_created_column(
    browser: object, desk: Desk
) -> None:
    # proposed by the clinician, sent by the admin: a 'Sent by' line follows ('Create and send
    # referral' on the page is one line, tests/service/test_browser_referral_made_and_sent.py)
    _, encounter = desk.referred("MADE-BY", sent_by=Role.admin)
    db = desk.app.state.runtime.databases.get()
    made = db.execute("SELECT id, created_by, created_at FROM referrals ORDER BY id DESC").fetchone()
    assert made is not None and made[1] == "clinician"
    at = clock(made[2], clinic=desk.app.state.runtime.clock)  # 16:40:12
    for language in ("en", "zh"):
        assert catalogue_data(language)["referrals.made_by_list"].format(user="clinician") == SAID[language]
        page: Any = log_in(
            browser, desk, Role.admin, 390, language
        )  # once a language: laid out at each width
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{desk.url}/referrals")
            where = f"{language}, {width} px"
            row = page.locator(f'tr[data-referral="{made[0]}"]')
            line = row.locator("td.status small.made-by")
            assert line.inner_text().strip() == SAID[language], (where, line.inner_text())
            box = line.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (where, box)
            # when it was made is said in the Created column, not again beside who made it
            assert at[:5] in row.locator("td.created").inner_text(), (where, row.inner_text())
            if language == "en":  # each line under the status starts as a sentence does
                lines = [row.locator(f"td.status small.{c}").inner_text() for c in ("made-by", "status-by")]
                assert all(text[0].isupper() for text in lines), (where, lines)
            assert_fits(page, f"the referrals list ({where})")
            # the patient page has no Created column: its line keeps the time
            page.goto(f"{desk.url}/encounters/{encounter}")
            kept = page.locator("#encounter-referrals td.status small.made-by").first.inner_text().strip()
            said = catalogue_data(language)["referrals.made_by"].format(user="clinician", at=at)
            assert kept == said and at in kept, (where, kept)
            assert language != "en" or kept.startswith("Referred by"), kept
        close_tab(page)
