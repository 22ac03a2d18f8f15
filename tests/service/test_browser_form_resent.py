"""A form pressed again after "no answer" is not stored twice. A form waits 30 s for its answer; then
``app.js`` releases it and says there was no answer, and the nurse or clinician may press again
(``test_browser_form_sending.py``: a second press before that is refused). If the first press did
reach the service and only its answer was slow, the second one must not make a second record: each
form that creates something carries a key made when the page was served (``form_key``), which the
service keeps with what it stored, so the form sent again is answered what the first one stored -
the same page and notice - and nothing is written twice. Without it the second press stored a
second reading, set of vital signs or assessment, or met an error page (the referral "already
open", the visit "already closed", the walk-in "already open today").

Real parts throughout: a real Chromium on a real uvicorn server over a real SQLite file. The first
request reaches the service and is stored (the test sends it on, ``route.fetch``) but its answer
never reaches the page (given "204 No Content" instead, the page stays as it was, still waiting); the page's own 30 s are run on Playwright's clock (``page.clock``), not
waited for. Chinese at 360 px, English at 768 px. One service for the module (``clinic``; each
test started one of its own, nine start-ups): every test stores patients and devices of its own
(record numbers RESENT-<form>-<language>, RESENT-WALK-<language>, devices ward-oximeter-<language>)
and counts only what it stored (by its own visit, referral, record number or device); each page is a
browser context of its own, signed in with the cookies of the module's first login of its role and
language (``signed_in``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from referral import associations
from referral.inbox import NewDeviceMessage, record_message
from tests.service.chromium import close_tab
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic, signed_in
from tests.service.test_browser_form_sending import held_back, wait_held
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "clinic", "pytestmark"]

NO_ANSWER_MS = 30_000  # app.js: how long a form waits for its answer before it is released


def _press_twice(page: Any, address: str, button: Any, language: str) -> None:
    """Press the form's ``button``; its request to ``address`` reaches the service, which stores it,
    but the answer never comes to the page. After the page's 30 s the form says there was no
    answer and is ready again; pressed again, the page goes where the service's answer leads."""
    held = held_back(page, address)
    with page.expect_request(address):
        button.click(no_wait_after=True)
    wait_held(page, held)
    assert len(held) == 1
    answer = held[0].fetch(max_redirects=0)  # stored now; its answer is not given to the page,
    assert answer.status == 303, answer.text()
    held[0].fulfill(status=204)  # which stays as it was, still waiting (no content: no navigation)
    page.clock.fast_forward(NO_ANSWER_MS)
    said = catalogue(language)("form.no_answer")
    page.wait_for_function(
        "said => [...document.querySelectorAll('.sending')].some(n => n.textContent === said)", arg=said
    )
    assert page.locator("form[aria-busy], [aria-disabled]").count() == 0, "ready to be pressed again"
    assert_fits(page, f"no answer ({language})")
    page.unroute(address)
    with page.expect_navigation():
        button.click(no_wait_after=True)


def _on_clock(
    browser: object,
    clinic: Desk,
    mrn: str,
    role: Role,
    before: Callable[[str, dict[str, Any]], None] = lambda language, made: None,
) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """A calm walk-in ``mrn``-<language> stored over the API (``before`` is then given the language
    and its assessment) and ``role`` on its patient page, in Chinese at 360 px, then in English at
    768 px, the page's timers on Playwright's clock (installed before its scripts run): (language,
    page, assessment), the page closed when the next one is asked for. The page is loaded once, on
    the clock - a patient page reloaded on the clock was loaded twice, and the device's test
    loaded it a third time for the device it attached after the first load."""
    for language, width in (("zh", 360), ("en", 768)):
        made = clinic.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"{mrn}-{language}"}, "observations": CALM}
        )
        before(language, made)
        page: Any = signed_in(browser, clinic, role, width, language)
        page.clock.install()
        page.goto(f"{clinic.url}/encounters/{made['encounter_id']}")
        yield language, page, made
        close_tab(page)


def _done(page: Any, language: str, key: str) -> None:
    page.wait_for_selector("#done")
    assert page.inner_text("#done").strip("✓ \n") == catalogue(language)(f"done.{key}"), page.url


#: each form of the patient page that creates something: who sends it, what is typed in it (field,
#: value; a choice for a select), its address, the notice of its page and the count of what it stored
FORMS: dict[str, tuple[Role, list[tuple[str, str]], str, str, str]] = {
    "reading": (
        Role.nurse,
        [("select[name=code]", "glucose_random"), ("input[name=value]", "6.4")],
        "encounters/{encounter}/readings",
        "reading",
        "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'glucose_random'",
    ),
    "vitals": (
        Role.nurse,
        [("input[name=temperature]", "37.1")],
        "encounters/{encounter}/vitals",
        "vitals",
        "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'temperature'",
    ),
    "assess": (  # the walk-in's own assessment and the one "assess now" made
        Role.nurse,
        [],
        "encounters/{encounter}/assess",
        "assessed",
        "SELECT count(*) - 1 FROM assessments WHERE encounter_id = ?",
    ),
    "close": (
        Role.nurse,
        [("input[name=reason]", "seen and sent home")],
        "encounters/{encounter}/close",
        "closed",
        "SELECT count(*) FROM audit WHERE action = 'encounter.closed' AND entity_id = CAST(? AS TEXT)",
    ),
    "refer": (  # created and sent, once
        Role.clinician,
        [("input[name=reason]", "chest pain on exertion")],
        "assessments/{assessment}/refer",
        "referral",
        "SELECT count(*) FROM referrals WHERE encounter_id = ? AND status = 'sent'",
    ),
    "override": (  # and the one referral triage proposed for it
        Role.clinician,
        [
            ("select[name=disposition]", "urgent_referral"),
            ("textarea[name=reason]", "chest pain on exertion"),
        ],
        "assessments/{assessment}/override",
        "override_proposed",
        "SELECT (SELECT count(*) FROM overrides o JOIN assessments a ON a.id = o.assessment_id"
        " WHERE a.encounter_id = ?1) * (SELECT count(*) FROM referrals WHERE encounter_id = ?1)",
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_a_patient_page_form_pressed_again_after_no_answer_stores_once(
    browser: object, clinic: Desk, form: str
) -> None:
    role, typed, address, notice, stored = FORMS[form]
    for language, page, made in _on_clock(browser, clinic, f"RESENT-{form}", role):
        encounter = made["encounter_id"]
        sent = page.locator(f"form[action='/{address.format(encounter=encounter, assessment=made['id'])}']")
        for field, value in typed:
            if field.startswith("select"):
                sent.locator(field).select_option(value)
            else:
                sent.locator(field).fill(value)
        button = sent.locator("button[type=submit]")
        _press_twice(
            page, f"**/{address.format(encounter=encounter, assessment=made['id'])}", button, language
        )
        assert re.search(rf"/encounters/{encounter}$", page.url), page.url
        _done(page, language, notice)
        assert clinic.count(stored, encounter) == 1, form


def test_the_walk_in_form_pressed_again_after_no_answer_opens_one_visit(
    browser: object, clinic: Desk
) -> None:
    for language, width in (("zh", 360), ("en", 768)):
        page: Any = signed_in(browser, clinic, Role.nurse, width, language)  # at /queue
        page.clock.install()
        page.reload()  # the queue on the clock (it opened no patient's page and stored no walk-in first)
        page.locator("#walk-in summary").click()
        mrn = f"RESENT-WALK-{language}"
        page.locator("#walk-in input[name=mrn]").fill(mrn)
        _press_twice(page, "**/walk-ins", page.locator("#walk-in button[type=submit]"), language)
        _done(page, language, "walk_in")  # the visit it opened, not "already open today"
        opened = "SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ?"
        assert clinic.count(opened, mrn) == 1
        close_tab(page)


def test_a_referral_confirmed_again_after_no_answer_is_said_sent_not_refused(
    browser: object, clinic: Desk
) -> None:
    """The clinician's "Confirm" (proposed -> sent) pressed again: the step is recorded once and
    the page says it was sent, where it said "its status has already changed (perhaps someone else
    did this)" - a step made by someone else is still refused so."""
    for language, width in (("zh", 360), ("en", 768)):
        referral, encounter = clinic.referred(f"RESENT-CONFIRM-{language}")
        page: Any = signed_in(browser, clinic, Role.clinician, width, language)
        page.clock.install()  # (before the patient page's scripts run: loaded once, on the clock)
        page.goto(f"{clinic.url}/encounters/{encounter}")
        confirm = page.locator(f"form[action='/referrals/{referral}/status'] button[value=sent]")
        _press_twice(page, f"**/referrals/{referral}/status", confirm, language)
        assert re.search(rf"/encounters/{encounter}$", page.url), page.url
        _done(page, language, "referral_sent")
        sent = "SELECT count(*) FROM referral_events WHERE referral_id = ? AND to_status = 'sent'"
        assert clinic.count(sent, referral) == 1
        close_tab(page)


def test_a_device_detached_again_after_no_answer_is_not_refused(browser: object, clinic: Desk) -> None:
    """Detach pressed again on the patient page: the first press ended the association, and the
    second met "device ... is not attached to any encounter" (404); now it leads where the first
    would have. A device someone else detached, or detached for another reason, is still refused."""
    db = clinic.app.state.runtime.databases.get()

    def attached(language: str, made: dict[str, Any]) -> None:  # a device seen, on this walk-in's finger
        device = f"ward-oximeter-{language}"
        record_message(db, NewDeviceMessage(device_id=device, session_id="s", protocol="line", raw=b"x"), [])
        associations.associate(db, device, made["encounter_id"], actor="nurse", reason="on the finger")

    for language, page, made in _on_clock(browser, clinic, "RESENT-DETACH", Role.nurse, attached):
        device = f"ward-oximeter-{language}"
        detach = page.locator(f"form[action='/devices/{device}/detach'] button[type=submit]")
        _press_twice(page, f"**/devices/{device}/detach", detach, language)
        assert re.search(rf"/encounters/{made['encounter_id']}$", page.url), page.url
        ended = "SELECT count(*) FROM device_associations WHERE device_id = ? AND ended_at IS NOT NULL"
        assert clinic.count(ended, device) == 1
