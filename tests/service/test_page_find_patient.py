"""Yesterday's patient, found by record number on the staff pages (``/patients?mrn=...``): the queue
lists today's visits, the referrals page only those referred, so a patient seen yesterday and sent
home was on no page at all. Real service, real SQLite file, the session's own pages, en and zh."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_open_earlier import _move_back
from tests.service.test_page_wording import _language, _walk_in
from triage.service.auth import Role

WORDS = {
    "en": ("Find a patient", "Visits: 2, newest first.", "EMERGENCY TRANSFER", "closed ", "still open"),
    "zh": ("查找患者", "就诊：2 次，最近的在前。", "紧急转运", "已于 ", "未结束"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_yesterdays_patient_is_found_by_record_number_with_every_visit(staff: Staff, language: str) -> None:
    yesterday = _walk_in(staff, "FIND-1")["encounter_id"]
    day = _move_back(staff, yesterday, 1)
    closed = staff.client.post(
        f"/api/v1/encounters/{yesterday}/close",
        json={"reason": "sent home", "without_referral": True},
        headers=staff.bearer(Role.clinician),
    )
    assert closed.status_code == 200, closed.text
    today = _walk_in(staff, "FIND-1")["encounter_id"]
    _walk_in(staff, "FIND-2")  # another patient: not listed
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    title, count, decision, closed_word, still_open = WORDS[language]

    queue = staff.client.get("/queue").text
    assert f'<a href="/patients">{title}</a>' in queue, "the menu leads to it"
    empty = staff.client.get("/patients").text
    assert 'id="find-mrn"' in empty and "autofocus" in empty and 'id="not-found"' not in empty

    page = staff.client.get("/patients", params={"mrn": " FIND-1 "}).text
    assert count in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr ")[1:]
    assert [row.split('"')[1] for row in rows] == [str(today), str(yesterday)], "newest first"
    newest, older = rows
    assert f'<a href="/encounters/{yesterday}"><span class="keep">{day}</span> ' in older, (
        "the day it was, kept whole"
    )
    assert decision in older and closed_word in older
    assert still_open in newest
    assert 'value="FIND-1"' in page, "the field keeps the number"
    assert staff.client.get(f"/encounters/{yesterday}").status_code == 200, "its page opens"


def test_an_unknown_record_number_says_so_and_keeps_what_was_typed(staff: Staff) -> None:
    staff.login(Role.clinician)
    page = staff.client.get("/patients", params={"mrn": "NO-SUCH-1"}).text
    assert (
        'No patient has record number <span class="ident mrn">NO-SUCH-1</span>, nor a name that holds it'
        in page
    )
    assert 'value="NO-SUCH-1"' in page and 'role="status"' in page
    refused = staff.client.get("/patients", params={"mrn": "x" * 65})
    assert refused.status_code == 422 and "Traceback" not in refused.text
    analyst = staff.client.get("/patients", headers=staff.bearer(Role.analyst))
    assert analyst.status_code == 403


@pytest.mark.parametrize(
    ("language", "said"), [("en", "All visits of this patient"), ("zh", "该患者的全部就诊")]
)
def test_a_patient_page_leads_to_the_patients_other_visits(staff: Staff, language: str, said: str) -> None:
    """A doctor on today's visit reaches the patient's earlier ones (yesterday's readings, an earlier
    referral) from the page itself; the link is not printed."""
    made = _walk_in(staff, "FIND 3/A")
    csrf = staff.login(Role.clinician)
    _language(staff, csrf, language)
    page = staff.client.get(f"/encounters/{made['encounter_id']}").text
    assert f'<p class="print-none" id="all-visits"><a href="/patients?mrn=FIND%203/A">{said}</a></p>' in page
    found = staff.client.get("/patients?mrn=FIND%203/A").text
    assert f'data-encounter="{made["encounter_id"]}"' in found
    assert 'name="back" value="/patients?mrn=FIND%203/A"' in found, "the language switch comes back here"
