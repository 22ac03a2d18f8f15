"""A referral less urgent than the visit's decision says so on the patient page. Triage proposes a
referral on a visit's first results (an urgent referral for a pressure of 194/118 mmHg); when the
decision later becomes an emergency transfer (the nurse ticks chest pain), the proposal kept its
urgency, and "Confirm and send referral" sent an urgent referral beside the emergency-transfer
decision without a word. Now its row says that confirming sends it as it is and what to do
(cancel it and refer again with the urgency the decision needs); a sent one says to tell the
receiving hospital. In a real Chromium on a real uvicorn server over a real SQLite file, in English
at 1366 px and in Chinese at 360 px (inside the screen)."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

# WALK_IN's readings are an emergency transfer; Desk.referred proposes a routine referral beside it
CONFIRM = {"en": "Confirm and send referral", "zh": "确认并发送转诊"}
SAYS = {
    "en": ("Proposed as “Routine referral”", "the decision is now EMERGENCY TRANSFER"),
    "zh": ("按“常规转诊”建议", "现在的决定是“紧急转运”"),
}


def test_a_proposed_referral_less_urgent_than_the_decision_says_so(browser: object, desk: Desk) -> None:
    referral, encounter = desk.referred("BELOW-1", "routine")
    patient = f"{desk.url}/encounters/{encounter}"
    # one sign-in (it signed in through the login form for each language): Chinese by the header's
    # switch, which loads the patient's page again
    page: Any = log_in(browser, desk, Role.clinician, 1366, "en")
    for language, width in (("en", 1366), ("zh", 360)):
        switched(page, language, width)
        if page.url != patient:
            page.goto(patient)
        warning = page.locator(f'tr[data-referral="{referral}"] .below-decision')
        said = warning.inner_text()
        assert all(words in said for words in SAYS[language]), (language, said)
        box = warning.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (language, box)
        assert_fits(page, f"the patient page ({language}, {width} px)")
        page.emulate_media(media="print")  # on paper the warning (an instruction), Confirm and Cancel go
        assert (
            not warning.is_visible() and not page.get_by_role("button", name=CONFIRM[language]).is_visible()
        )
        assert not page.locator(f'tr.referral-actions[data-referral="{referral}"]:has(button)').is_visible()
    # cancelled and referred again with the decision's urgency: nothing to say any more (on the
    # clinician's page in English at 1366 px, on screen again: no second login, an argon2 hash
    # verified again; the switch loads the patient's page as it is now)
    desk.api(Role.clinician, f"/referrals/{referral}/status", {"status": "cancelled", "note": "too slow"})
    switched(page, "en", 1366)
    if page.url != patient:
        page.goto(patient)
    page.fill("#refer-form input[name=reason]", "hypoxia")
    assert page.locator("#refer-form select[name=urgency]").input_value() == "emergency"
    with page.expect_navigation():
        page.locator("#refer-form button[type=submit]").click()
    assert page.locator(".below-decision").count() == 0
    close_tab(page)


def test_a_sent_referral_less_urgent_than_the_decision_says_to_tell_the_hospital(
    browser: object, desk: Desk
) -> None:
    referral, encounter = desk.referred("BELOW-2", "routine")
    desk.api(Role.clinician, f"/referrals/{referral}/status", {"status": "sent"})
    page: Any = log_in(browser, desk, Role.nurse, 768, "en")  # a nurse reads it too
    page.goto(f"{desk.url}/encounters/{encounter}")
    said = page.locator(f'tr[data-referral="{referral}"] .below-decision').inner_text()
    assert "Sent as “Routine referral”" in said and "tell" in said, said
    close_tab(page)
