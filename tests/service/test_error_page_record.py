"""The error page's "Details, as recorded:" block (the log's English, to quote to support) is shown
only where it adds something: under a sentence in another language, or under an English sentence
that leaves out what the record says. On an English page a closed visit's refusal said its
sentence and then the same sentence again, in the log's words."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_closure import close
from tests.service.test_page_errors import _alert, _chinese
from tests.service.test_page_wording import _walk_in
from triage.service.auth import Role

RECORD = 'class="error-detail">'


def _refused_reading(staff: Staff, encounter: int, csrf: str) -> str:
    page = staff.client.post(
        f"/encounters/{encounter}/readings", data={"csrf_token": csrf, "code": "spo2", "value": "95"}
    )
    assert page.status_code == 409, page.text
    return page.text


def test_an_english_error_page_does_not_repeat_its_sentence_as_the_record(staff: Staff) -> None:
    encounter = _walk_in(staff, "REC-1")["encounter_id"]
    closed = close(staff, encounter, "went home", Role.clinician)
    assert closed.status_code == 200, closed.text
    csrf = _chinese(staff, Role.clinician)
    chinese = _refused_reading(staff, encounter, csrf)
    assert "该就诊已于" in _alert(chinese) and "open a new encounter" in chinese.split(RECORD)[1]
    staff.client.post("/language", data={"csrf_token": csrf, "language": "en"})
    english = _refused_reading(staff, encounter, csrf)
    assert _alert(english).startswith("This visit was closed at ")
    assert "Open a new encounter for the patient" in _alert(english)
    assert RECORD not in english and "Details, as recorded:" not in english, "said once, in English"
