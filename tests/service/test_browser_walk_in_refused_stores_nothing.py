"""A walk-in the service refuses stores nothing - not the patient either. The queue's form
registered the patient in one transaction and opened the visit in another, so a refusal at the
second step (the form sent again with another patient after "no answer", its key already the first
patient's visit) said "This form was already sent once with different contents: nothing was stored
this time" while the second patient stood registered, with no visit, in the log. Now both are one
transaction (``pages/entry.py`` ``walk_in``), as the API's walk-in is.

Real parts: Chromium, a real uvicorn over a real SQLite log; the first press reaches the service and
is stored, its answer withheld (``test_browser_form_resent.py``'s way, the page's 30 s on
Playwright's clock). Chinese at 360 px, English at 768 px."""

from __future__ import annotations

from tests.service.switched import switched_patient_pages
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk
from tests.service.test_browser_form_resent import NO_ANSWER_MS
from tests.service.test_browser_form_sending import held_back, wait_held
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "desk", "pytestmark"]

REGISTERED = "SELECT count(*) FROM patients WHERE mrn = ?"


def test_a_walk_in_refused_as_sent_twice_with_other_contents_registers_no_patient(
    browser: object, desk: Desk
) -> None:
    # one sign-in; own_tab: the English page a new page of its own, on which the clock is installed
    # (as each language's login page was), its sessionStorage (drafts, submits) empty
    for language, _width, page, _made in switched_patient_pages(
        browser, desk, "REFUSED-WALK", Role.nurse, own_tab=True
    ):
        first, second = f"REFUSED-FIRST-{language}", f"REFUSED-SECOND-{language}"
        page.clock.install()  # the page's timers on Playwright's clock, installed before its scripts run
        page.goto(f"{desk.url}/queue")
        page.locator("#walk-in summary").click()
        page.locator("#walk-in input[name=mrn]").fill(first)
        held = held_back(page, "**/walk-ins")
        with page.expect_request("**/walk-ins"):
            page.locator("#walk-in button[type=submit]").click(no_wait_after=True)
        wait_held(page, held)
        assert len(held) == 1
        assert held[0].fetch(max_redirects=0).status == 303  # stored: the first patient's visit
        held[0].fulfill(status=204)  # its answer never reaches the page
        page.clock.fast_forward(NO_ANSWER_MS)
        page.unroute("**/walk-ins")
        page.locator("#walk-in input[name=mrn]").fill(second)  # changed, then pressed again
        with page.expect_navigation():
            page.locator("#walk-in button[type=submit]").click(no_wait_after=True)
        said = page.inner_text("main")
        assert catalogue(language)("error.idempotency_conflict").split("：")[0].split(":")[0] in said, said
        assert desk.count(REGISTERED, first) == 1
        assert desk.count(REGISTERED, second) == 0, "refused: nothing stored, the patient neither"
