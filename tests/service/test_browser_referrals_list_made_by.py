"""The referrals list (``/referrals``) says who made each referral and when ("referred by clinician,
16:40" / "clinician 于 16:40 建立", ``referrals.made_by``), as the patient page does - it said who
changed the status only. In a real Chromium on a real uvicorn server over a real SQLite file, in
English and Chinese: at 390 px (each referral a block) the line is inside the screen, and at 1280 px
it is in the status cell of the table."""

from __future__ import annotations

from typing import Any

from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.test_browser_visit_referrals_phone import _referred
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock

__all__ = ["browser", "desk", "pytestmark"]


def test_the_list_says_who_made_a_referral_and_when(browser: object, desk: Desk) -> None:
    _referred(browser, desk)
    db = desk.app.state.runtime.databases.get()
    made = db.execute("SELECT id, created_by, created_at FROM referrals ORDER BY id DESC").fetchone()
    assert made is not None and made[1] == "clinician"
    at = clock(made[2], clinic=desk.app.state.runtime.clock)
    for language in ("en", "zh"):
        said = catalogue_data(language)["referrals.made_by"].format(user="clinician", at=at)
        for width in (390, 1280):
            page: Any = log_in(browser, desk, Role.admin, width, language)
            page.goto(f"{desk.url}/referrals")
            where = f"{language}, {width} px"
            line = page.locator(f'tr[data-referral="{made[0]}"] td.status small.made-by')
            assert line.inner_text().strip() == said, (where, line.inner_text())
            box = line.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (where, box)
            assert_fits(page, f"the referrals list ({where})")
            page.close()
