"""A clinician's override to a decision that sends the patient on proposes a referral as the
page's own decisions do: a calm visit the clinician judged an urgent referral got no proposal
(``proposals`` followed the engine's decisions only), so nobody was asked to confirm a referral.
Now the override goes through the same rule: triage's proposal, its reason "a clinician's
decision", raised to an emergency by a later override, never lowered by a milder one; an override
away from referral leaves the proposal open, unsent, and the notice and the referral's row say so
and what to do with it; a milder referral decision's row says that confirming sends the proposal
at its higher urgency. Keyboard only, in a real Chromium on a real uvicorn server over a real
SQLite file, English at 768 px and Chinese at 360 px."""

from __future__ import annotations

from typing import Any

from referral import referrals
from tests.service.switched import switched_patient_pages
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk
from tests.service.test_browser_page_decision_proposes import enter_and_read_notice
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: the notice after an override that made (or raised) triage's proposal
PROPOSED = {"en": "so triage proposed a referral", "zh": "分诊系统已建议转诊"}
#: the reason cell of that proposal
REASON = {"en": "Proposed by triage: a clinician's decision", "zh": "分诊系统建议：医生更改的决定"}
#: the notice, and the note on the proposal's row, once an override no longer sends the patient on
KEPT = {"en": "is still open and not sent", "zh": "仍未发送"}
ROW = {"en": "no longer sends the patient on", "zh": "已不需要转诊"}
#: the note on the proposal's row when the decision is a less urgent referral than the proposal
HIGHER = {"en": "confirming sends this referral as “Emergency transfer”", "zh": "确认将按“紧急转运”发送"}


def _override(page: Any, disposition: str, reason: str) -> str:
    """Choose a decision and type the reason by keyboard, send it with Enter on the button; the
    notice the page then says."""
    form = page.locator("#override-form")
    form.locator("select[name=disposition]").select_option(disposition)
    form.locator("textarea[name=reason]").focus()
    page.keyboard.type(reason)
    page.keyboard.press("Tab")  # to the form's button
    return enter_and_read_notice(page)


def test_an_override_to_a_referral_proposes_one_raised_never_lowered_and_kept_when_undone(
    browser: object, desk: Desk
) -> None:
    db = desk.app.state.runtime.databases.get()
    for language, width, page, made in switched_patient_pages(
        browser, desk, "OVERRIDE-PROPOSES", Role.clinician
    ):
        encounter_id = int(made["encounter_id"])
        assert made["disposition"] == "local_care" and not referrals.open_referrals(db, encounter_id)
        said = _override(page, "urgent_referral", "chest pain on exertion, seen by me")
        assert PROPOSED[language] in said, said
        (proposal,) = referrals.open_referrals(db, encounter_id)
        assert (proposal["status"], proposal["urgency"]) == ("proposed", "urgent"), language
        assert proposal["reason"] == "proposed by triage: clinician_override"
        assert REASON[language] in page.locator("#encounter-referrals td.reason").first.inner_text()
        assert_fits(page, f"the override's proposal on the patient page ({language}, {width} px)")

        said = _override(page, "emergency_transfer", "worse: crushing pain now")
        assert PROPOSED[language] in said, said
        (raised,) = referrals.open_referrals(db, encounter_id)
        assert (raised["id"], raised["urgency"]) == (proposal["id"], "emergency"), "the same proposal, raised"

        said = _override(page, "routine_referral", "pain settled")  # milder: never lowered
        assert PROPOSED[language] not in said, said
        (kept,) = referrals.open_referrals(db, encounter_id)
        assert (kept["id"], kept["urgency"]) == (proposal["id"], "emergency")
        above = page.locator(f"tr.referral-actions[data-referral='{proposal['id']}'] .above-decision")
        assert HIGHER[language] in above.inner_text(), "the row says confirming sends it more urgently"

        said = _override(page, "local_care", "ECG normal, pain musculoskeletal")
        assert KEPT[language] in said, "the notice says what happened to the proposal: " + said
        (still,) = referrals.open_referrals(db, encounter_id)
        assert (still["id"], still["status"]) == (proposal["id"], "proposed"), "not deleted, not sent"
        note = page.locator(f"tr.referral-actions[data-referral='{proposal['id']}'] .above-decision")
        assert ROW[language] in note.inner_text(), (
            "the proposal's row says it waits on a decision that changed"
        )
        assert_fits(page, f"the kept proposal's note ({language}, {width} px)")
