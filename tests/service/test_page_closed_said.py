"""Closing a visit is said once at the top of the page it leads to, as every other stored form is
(tests/service/test_stored_said.py), and the message takes the focus: a keyboard or screen-reader
user who sent "Close visit" at the bottom of a tablet's page was left at the top with no word.
Real service, real SQLite, the page's own form with CSRF, en and zh."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language
from tests.service.test_stored_said import _follow, _said
from triage.service.auth import Role

SAID = {
    "en": "Visit closed; the reason is recorded.",
    "zh": "就诊已结束，原因已记录。",
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_closing_a_visit_is_said_once_and_focused(staff: Staff, language: str) -> None:
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    sent = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": "CLOSE-SAID-1"}, follow_redirects=False
    )
    patient = sent.headers["location"]
    staff.client.get(patient)  # (where the walk-in is said)
    page = _follow(staff, f"{patient}/close", {"csrf_token": csrf, "reason": "went home"})
    assert _said(page) == SAID[language]
    assert 'id="done" role="status" tabindex="-1" autofocus' in page, "the message takes the focus"
    assert _said(staff.client.get(patient).text) == "", "said once: a reload does not repeat it"
