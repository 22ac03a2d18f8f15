"""The close-visit form's note on a referral triage proposed and nobody sent named it with English
brackets in the middle of a Chinese sentence - "已建议但未发送：转诊 #1 (⁨County Hospital⁩)。" - where
every other aside on the Chinese pages is in full-width brackets (text.aside): the template built
"#1 (name)" itself. Now "转诊 #1（⁨...⁩）", and "#1 (...)" in English. Real service, real SQLite
file, the page's own walk-in, vital-signs and override forms with CSRF (the page's decision proposes
the referral, the clinician's override to local care leaves it open), en and zh."""

from __future__ import annotations

import re

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language
from triage.service.auth import Role

NOTE = {"en": re.compile(r"#\d+ \(\u2068[^)]+\u2069\)"), "zh": re.compile(r"#\d+（\u2068[^）]+\u2069）")}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_proposed_referral_in_the_close_note_is_bracketed_in_the_page_s_language(
    staff: Staff, language: str
) -> None:
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    sent = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": f"CLOSE-NOTE-{language}"}, follow_redirects=False
    )
    patient = sent.headers["location"]
    vitals = {"csrf_token": csrf, "spo2": "86", "heart_rate": "128", "resp_rate": "26"}
    assert staff.client.post(f"{patient}/vitals", data=vitals).status_code == 200
    csrf = staff.login(Role.clinician)
    _language(staff, csrf, language)
    # the clinician sends the patient home: the proposal stays open, unsent, and the close form says so
    override = re.search(r'action="(/assessments/\d+/override)"', staff.client.get(patient).text)
    assert override is not None
    data = {"csrf_token": csrf, "disposition": "local_care", "reason": "seen, well"}
    assert staff.client.post(override[1], data=data).status_code == 200
    page = staff.client.get(patient).text
    note = page.split('id="close-proposed">')[1].split("</p>")[0]
    assert NOTE[language].search(note), f"the proposed referral is not bracketed in {language}: {note}"
