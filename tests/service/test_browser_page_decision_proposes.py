"""A decision made on the staff pages proposes a referral as a device's results do: a walk-in
opened on the queue page whose vital signs, typed on its patient page, decide an urgent referral
got no proposal (the pipeline alone proposed), so the visit waited with nobody asked to confirm a
referral. Now the page's decisions go through the same rule (``triage.service.proposals``): a
proposal in status proposed, "Proposed by triage", raised to an emergency when the next vital
signs decide one, never lowered by a milder set after; the notice after the vital signs says a
referral was proposed for a clinician to send. Keyboard only, in a real Chromium on a real
uvicorn server over a real SQLite file, English at 768 px and Chinese at 360 px."""

from __future__ import annotations

import re
from typing import Any

from referral import referrals, store
from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

SAYS = {"en": "Proposed by triage", "zh": "分诊系统于"}
#: the notice after the vital signs when they made (or raised) triage's proposal
NOTICE = {"en": "so triage proposed a referral", "zh": "分诊系统已建议转诊"}


def _type_vitals(page: Any, consciousness: str, sbp: str, dbp: str) -> str:
    """Type a set of vital signs by keyboard and send it; the notice the page then says."""
    form = page.locator("#vitals-form")
    form.locator("select[name=consciousness]").select_option(consciousness)
    for name, value in (("sbp", sbp), ("dbp", dbp), ("heart_rate", "80")):
        form.locator(f"input[name={name}]").focus()
        page.keyboard.type(value)
    return enter_and_read_notice(page)  # in the last field typed: sends the form


def enter_and_read_notice(page: Any) -> str:
    """Enter where the focus is sends its form; the notice the page it leads to says."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    return str(page.inner_text("#done"))


def test_a_walk_in_decided_on_the_page_gets_triage_s_proposal_raised_never_lowered(
    browser: object, desk: Desk
) -> None:
    db = desk.app.state.runtime.databases.get()
    page: Any = log_in(browser, desk, Role.nurse, 768, "en")
    for language, width in (("en", 768), ("zh", 360)):
        mrn = f"PAGE-PROPOSES-{language}"
        # signed in once: the language switch for Chinese, then the queue, where the login led
        switched(page, language, width)
        if not page.url.endswith("/queue"):
            page.goto(f"{desk.url}/queue")
        walk_in = page.locator("#walk-in")
        walk_in.locator("summary").focus()
        page.keyboard.press("Enter")
        walk_in.locator("input[name=mrn]").focus()
        page.keyboard.type(mrn)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/encounters/\d+$"))
        encounter_id = int(page.url.rsplit("/", 1)[1])
        said = _type_vitals(page, "A", "186", "112")  # a severe pressure: an urgent referral
        assert NOTICE[language] in said, said
        decided = store.latest_assessment(db, encounter_id)
        assert decided is not None and decided["disposition"] == "urgent_referral"
        (proposal,) = referrals.open_referrals(db, encounter_id)
        assert (proposal["status"], proposal["urgency"]) == ("proposed", "urgent"), language
        assert proposal["reason"].startswith("proposed by triage: ")
        page.goto(f"{desk.url}/encounters/{encounter_id}")
        assert SAYS[language] in page.locator("td.status").first.inner_text()
        assert_fits(page, f"the proposal on the patient page ({language}, {width} px)")
        said = _type_vitals(page, "V", "186", "112")  # responds to voice only: an emergency transfer
        assert NOTICE[language] in said, said
        (raised,) = referrals.open_referrals(db, encounter_id)
        assert raised["id"] == proposal["id"], "the same proposal, raised"
        assert raised["urgency"] == "emergency", language
        said = _type_vitals(page, "A", "150", "90")  # milder: the proposal is never lowered
        assert NOTICE[language] not in said, "nothing proposed this time"
        assert referrals.get_referral(db, proposal["id"])["urgency"] == "emergency"
        assert len(referrals.open_referrals(db, encounter_id)) == 1
    close_tab(page)
