"""The find-a-patient page listed a patient's newest 50 visits and no way to the older ones (a
patient with a long-term condition seen weekly for a year has more). "Older visits" pages on, by the
API's cursor (``before_id``: a visit opened meanwhile shifts no page), "Newest visits" goes back;
the count says which visits the page lists. Real service, real SQLite file, en and zh."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language, _walk_in
from triage.service.auth import Role
from triage.service.pages.patients import SHOWN

SAID = {
    "en": (
        f"Visits: {SHOWN + 5}, newest first; this page lists 1 to {SHOWN}.",
        f"Visits: {SHOWN + 6}, newest first; this page lists {SHOWN + 2} to {SHOWN + 6}.",
        "Older visits",
        "Newest visits",
    ),
    "zh": (
        f"就诊：{SHOWN + 5} 次，最近的在前；本页列出第 1 至 {SHOWN} 条。",
        f"就诊：{SHOWN + 6} 次，最近的在前；本页列出第 {SHOWN + 2} 至 {SHOWN + 6} 条。",
        "更早的就诊",
        "最近的就诊",
    ),
}


def earlier_visits(app: FastAPI, patient_id: int, count: int) -> list[int]:
    """``count`` closed visits of the patient on the days before today, stored in the log as the
    service stores them (oldest first, as they were opened); their ids."""
    rt = app.state.runtime
    db = rt.databases.get()
    ids = []
    with db.conn:
        for back in range(count, 0, -1):
            day = (rt.clock.today() - timedelta(days=back)).isoformat()
            cursor = db.conn.execute(
                "INSERT INTO encounters (patient_id, started_at, day, created_by, closed_at, closed_by,"
                " close_reason) VALUES (?, ?, ?, 'nurse', ?, 'clinician', 'seen')",
                [patient_id, f"{day}T09:15:00+00:00", day, f"{day}T10:00:00+00:00"],
            )
            ids.append(int(cursor.lastrowid or 0))
    return ids


def _registered(staff: Staff, mrn: str) -> int:
    made = staff.client.post(
        "/api/v1/patients", json={"mrn": mrn, "sex": "male"}, headers=staff.bearer(Role.nurse)
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _listed(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-encounter="(\d+)">', page)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_older_visits_page_on_and_back(staff: Staff, language: str) -> None:
    older = earlier_visits(staff.app, _registered(staff, f"PAGES-{language}"), SHOWN + 4)
    newest = int(_walk_in(staff, f"PAGES-{language}")["encounter_id"])
    every = [newest, *reversed(older)]  # newest first
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    first_count, later_count, older_word, newest_word = SAID[language]

    first = staff.client.get("/patients", params={"mrn": f"PAGES-{language}"}).text
    assert f'<p id="visit-count">{first_count}</p>' in first
    assert _listed(first) == every[:SHOWN]
    link = f"/patients?mrn=PAGES-{language}&amp;before_id={every[SHOWN - 1]}"
    assert f'<a href="{link}" id="older-visits" rel="next">{older_word}</a>' in first
    assert 'id="newest-visits"' not in first

    staff.client.post(  # a visit opened meanwhile (today's is open: close it first) shifts no page
        f"/api/v1/encounters/{newest}/close",
        json={"reason": "seen", "without_referral": True},
        headers=staff.bearer(Role.clinician),
    )
    _walk_in(staff, f"PAGES-{language}")
    later = staff.client.get(link.replace("&amp;", "&")).text
    assert _listed(later) == every[SHOWN:], "the rest, none twice"
    # the visit opened meanwhile is one more before this page
    assert f'<p id="visit-count">{later_count}</p>' in later
    assert f'<a href="/patients?mrn=PAGES-{language}" id="newest-visits">{newest_word}</a>' in later
    assert 'id="older-visits"' not in later, "the last page"
    assert f'name="back" value="{link}"' in later, "the language switch stays on this page"


def test_a_patient_with_a_page_of_visits_or_fewer_has_no_paging(staff: Staff) -> None:
    earlier_visits(staff.app, _registered(staff, "PAGES-ONE"), SHOWN - 1)
    _walk_in(staff, "PAGES-ONE")
    staff.login(Role.nurse)
    page = staff.client.get("/patients", params={"mrn": "PAGES-ONE"}).text
    assert f"Visits: {SHOWN}, newest first." in page and len(_listed(page)) == SHOWN
    assert 'id="visit-pages"' not in page


def test_a_cursor_that_is_no_id_is_refused_without_a_traceback(staff: Staff) -> None:
    _walk_in(staff, "PAGES-BAD")
    staff.login(Role.nurse)
    refused = staff.client.get("/patients", params={"mrn": "PAGES-BAD", "before_id": "x"})
    assert refused.status_code == 422 and "Traceback" not in refused.text
    assert "before_id" in refused.text
