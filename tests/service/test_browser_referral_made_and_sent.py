"""A referral a clinician made and sent in one go ("Create and send referral") is said in one line,
"Referred and sent by doctor, 16:40:12" / "doctor 于 16:40:12 建立并发送" - it was two lines with the
same person and the same time ("Referred by doctor, 16:40:12" over "Sent by doctor, 16:40:12"); on
the referrals list without the time, which is the Created column's. A referral proposed by one
account and sent by another (or later) keeps its two lines. In a real Chromium on a real uvicorn
server over a real SQLite file, English at 1366 px and Chinese at 360 px. One service for the module
(``clinic``; each test started one of its own) and the nurse's one login, in one tab for the module
(switched.kept_tab: each test opened a tab of its own), taken to Chinese by the header's switch
(switched.switched; she signed in through the form for each language): each test reads only its
own referral - the patient page of its own visit, and the
referrals list's newest row (the list is newest first), which is the first test's own in either
order."""

from __future__ import annotations

from typing import Any

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, clinic
from tests.service.test_browser_visit_referrals_phone import _referred
from triage.service.auth import Role
from triage.service.pages.clock import clock

__all__ = ["browser", "clinic", "pytestmark"]


def test_a_referral_made_and_sent_at_once_is_one_line(browser: object, clinic: Desk) -> None:
    desk = clinic
    encounter = _referred(browser, desk)  # the clinician's "Create and send referral"
    db = desk.app.state.runtime.databases.get()
    (made_at,) = db.execute("SELECT created_at FROM referrals ORDER BY id DESC").fetchone()
    at = clock(made_at, clinic=desk.app.state.runtime.clock)
    says = {
        "en": (f"Referred and sent by clinician, {at}", "Referred and sent by clinician"),
        "zh": (f"clinician 于 {at} 建立并发送", "clinician 建立并发送"),
    }
    page: Any = kept_tab(browser, desk, Role.nurse, 1366)
    for language, width in (("en", 1366), ("zh", 360)):
        switched(page, language, width)  # (Chinese: the switch loads the page it is on again)
        for path, said in (
            (f"/encounters/{encounter}", says[language][0]),
            ("/referrals", says[language][1]),
        ):
            page.goto(f"{desk.url}{path}")
            cell = page.locator("td.status").first
            lines = [s.strip() for s in cell.locator("small").all_inner_texts()]
            assert lines == [said], (language, path, lines)
            assert_fits(page, f"{path} ({language}, {width} px)")


def test_a_proposed_referral_sent_by_another_account_keeps_both_lines(browser: object, clinic: Desk) -> None:
    _, encounter = clinic.referred("TWO-LINES", sent_by=Role.admin)
    page: Any = kept_tab(browser, clinic, Role.nurse, 1366)
    page.goto(f"{clinic.url}/encounters/{encounter}")
    switched(page, "en", 1366)  # (English again after the first test's Chinese: the page loaded again)
    lines = page.locator("#encounter-referrals td.status small").all_inner_texts()
    assert [line.split(",")[0] for line in lines] == ["Referred by clinician", "Sent by admin"], lines
