"""A referral is followed to its end on the pages: once sent, a clinician records on the referrals
list or the patient page that the hospital accepted or declined it (with the reason), that the
patient arrived and, with the receiving hospital's feedback (whether the referral was needed, its
diagnosis: ``referral.records.FeedbackIn``), that it is completed (``referral.lifecycle.ALLOWED``),
or cancels it with a reason. Before, the pages could confirm or cancel a proposed referral only: a
sent one stayed "Sent" on every page, and no page, API route or command completed one. In a real
Chromium on a real uvicorn server over a real SQLite file: English at 1366 px on the list, Chinese
at 360 px on the patient page (each button inside the screen, nothing sideways), and a nurse sees
no button. One service for the module (``clinic``; each test started one of its own) and one sign-in
through the login form per account, in one tab of its own (switched.kept_tab), the clinician's taken
to Chinese by the header's switch (switched.switched; she signed in through the form for each
language, each test in a tab of its own): each test follows a referral of its own (its own walk-in)
and reads only its rows."""

from __future__ import annotations

from typing import Any

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, clinic
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]


def _status(desk: Desk, referral: int) -> str:
    db = desk.app.state.runtime.databases.get()
    return str(db.execute("SELECT status FROM referrals WHERE id = ?", [referral]).fetchone()[0])


def test_a_sent_referral_is_accepted_arrives_and_is_completed_from_the_list(
    browser: object, clinic: Desk
) -> None:
    desk = clinic
    referral, _ = desk.referred("NEXT-1", sent_by=Role.clinician)
    page: Any = kept_tab(browser, desk, Role.clinician, 1366)
    page.goto(f"{desk.url}/referrals")
    switched(page, "en", 1366)  # (English again after the Chinese test: the switch loads the list again)
    page.set_viewport_size({"width": 1366, "height": 768})
    for button, status, said, done in (
        ("Hospital accepted", "accepted", "Acceptance recorded by clinician", "Acceptance recorded."),
        ("Patient arrived", "arrived", "Arrival recorded by clinician", "Arrival recorded."),
    ):
        steps = page.locator(f'tr.referral-steps[data-referral="{referral}"]')
        with page.expect_navigation():
            steps.get_by_role("button", name=button).click()
        assert page.url.endswith("/referrals"), ("back on the list", page.inner_text("main")[:500])
        assert _status(desk, referral) == status
        assert done in page.locator("#done").inner_text()
        row = page.locator(f'tr[data-referral="{referral}"]').first
        assert said in row.locator("td.status").inner_text(), row.inner_text()
        assert_fits(page, f"the referrals list after {status}")
    # arrived: completed with the receiving hospital's feedback, which the clinic records - whether
    # the referral was needed (asked: nothing is sent without it) and its diagnosis
    steps = page.locator(f'tr.referral-steps[data-referral="{referral}"]')
    steps.get_by_role("button", name="Referral completed").click()
    assert _status(desk, referral) == "arrived", "the hospital's answer is required"
    steps.get_by_label("Hospital's feedback: was the referral needed?").select_option("yes")
    steps.get_by_label("Hospital's diagnosis (optional)").fill("community-acquired pneumonia")
    with page.expect_navigation():
        steps.get_by_role("button", name="Referral completed").click()
    assert _status(desk, referral) == "completed"
    assert "Completion recorded" in page.locator("#done").inner_text()
    db = desk.app.state.runtime.databases.get()
    justified, feedback = db.execute(
        "SELECT justified, feedback FROM referrals WHERE id = ?", [referral]
    ).fetchone()
    assert justified == 1 and "community-acquired pneumonia" in feedback
    assert (
        "Completion recorded by clinician"
        in page.locator(f'tr[data-referral="{referral}"] td.status').inner_text()
    )
    assert page.locator(f'tr.referral-steps[data-referral="{referral}"]').count() == 0, "completed: final"
    assert_fits(page, "the referrals list after completed")


def test_a_sent_referral_is_declined_with_a_reason_on_a_phone_in_chinese(
    browser: object, clinic: Desk
) -> None:
    desk = clinic
    referral, encounter = desk.referred("NEXT-2", sent_by=Role.clinician)
    page: Any = kept_tab(browser, desk, Role.clinician, 360)
    page.goto(f"{desk.url}/encounters/{encounter}")
    switched(page, "zh", 360)  # (which loads the patient's page again, in Chinese)
    steps = page.locator(f'tr.referral-steps[data-referral="{referral}"]')
    assert steps.get_by_role("button").all_inner_texts() == ["医院已接收", "医院已拒绝", "取消转诊"]
    for button in steps.get_by_role("button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert_fits(page, "the patient page's referral steps (zh, 360 px)")
    page.emulate_media(media="print")
    assert not steps.is_visible(), "its buttons are not printed: no empty row on paper"
    page.emulate_media(media="screen")
    declined = steps.locator("form", has=page.get_by_role("button", name="医院已拒绝"))
    declined.get_by_role("button").click()  # no reason: the browser asks for one, nothing is sent
    assert _status(desk, referral) == "sent"
    assert declined.get_by_role("textbox").get_attribute("placeholder") == "医院拒绝的原因", (
        "which reason it is"
    )
    declined.get_by_role("textbox").fill("床位已满")
    with page.expect_navigation():
        declined.get_by_role("button").click()
    assert _status(desk, referral) == "declined"
    assert "已登记被拒绝" in page.locator("#done").inner_text()
    assert page.locator(f'tr.referral-steps[data-referral="{referral}"]').count() == 0, "declined: final"


def test_a_nurse_sees_the_status_but_no_step(browser: object, clinic: Desk) -> None:
    desk = clinic
    referral, encounter = desk.referred("NEXT-3", sent_by=Role.clinician)
    page: Any = kept_tab(browser, desk, Role.nurse, 768)
    for path in ("/referrals", f"/encounters/{encounter}"):
        page.goto(f"{desk.url}{path}")
        assert page.locator(
            f'tr[data-referral="{referral}"] td.status, #encounter-referrals td.status'
        ).count()
        assert page.locator("table.referrals button").count() == 0, path
