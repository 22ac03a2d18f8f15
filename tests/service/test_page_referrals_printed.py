"""The referrals list printed says its day: its times are "00:35" for today's referrals (the date
only for older ones), so a printed list named no day at all. A print-only line says when it was
printed and that a time without a date is of that day, in the user's language (shown by the print styles only, as the patient page's line). Real service,
real SQLite file."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language, _walk_in
from tests.service.test_stored_said import _follow
from triage.service.auth import Role

SAID = {
    "en": ("Printed {day} ", "; times on this page without a date are of that day."),
    "zh": ("打印时间 {day} ", "；本页未注明日期的时间均为打印当日。"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_printed_referrals_list_says_its_day(staff: Staff, language: str) -> None:
    made = _walk_in(staff, "PRINT-REF-1")
    csrf = staff.login(Role.clinician)
    refer = {"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "seen"}
    _follow(staff, f"/assessments/{made['id']}/refer", refer)  # (the referral page's form, 303)
    _language(staff, csrf, language)
    page = staff.client.get("/referrals").text
    day = staff.app.state.runtime.clock.today().isoformat()
    assert 'id="printed"' in page, "a line for paper"
    line = page.split('id="printed">')[1].split("</p>")[0]
    first, then = SAID[language]
    assert line.startswith(first.format(day=day)) and line.endswith(then), line
    assert '<p class="print-only printed" id="printed">' in page, "on paper only"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_referrals_list_numbers_a_referral_as_the_patient_page_does(staff: Staff, language: str) -> None:
    """On a phone the list's "#" heading is hidden and a bare "1" beside the patient read as a
    position in the list; the patient page, its open-referral warning and the printout say "#1"."""
    made = _walk_in(staff, f"NUMBERED-REF-{language}")
    csrf = staff.login(Role.clinician)
    refer = {"csrf_token": csrf, "to_facility": "county-hospital", "urgency": "urgent", "reason": "seen"}
    _follow(staff, f"/assessments/{made['id']}/refer", refer)
    _language(staff, csrf, language)
    listed = staff.client.get("/referrals").text
    number = listed.split('<td class="id" role="cell">')[1].split("</td>")[0]
    assert number.startswith("#") and number[1:].isdigit(), number
    patient = staff.client.get(f"/encounters/{made['encounter_id']}").text
    assert f'<td class="id" role="cell">{number}</td>' in patient, "the same number on the patient page"
