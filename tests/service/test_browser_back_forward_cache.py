"""A page brought back whole by the browser's Back (its back-forward cache) shows the record as
it is and sends a new form with a new key. Safari keeps a page sent with ``Cache-Control:
no-store`` in that cache when it came over plain HTTP (WebKit refuses only an HTTPS one), as on a
clinic's LAN; the page comes back as it was left, scripts not run again, with the key its form was
sent with (``form_key``, ``pages/rendering.py``). A nurse who registered a walk-in, pressed Back and
filled the same form in for the next patient was told "This form was already sent once with
different contents: nothing was stored" - and Back again, as that page says, brought the same key
back; a patient's page left for the queue came back without the result stored meanwhile. Now a
page brought back so with nothing typed in it that is not stored is read again; one with typing
not stored is kept, and a form on it that had no answer says it may have been recorded and keeps
its key.

Real parts: Debian's Chromium with its back-forward cache on (Playwright turns it off by default),
a real uvicorn over a real SQLite file; the queue and patient pages reach the browser without their
``no-store`` (a Playwright route passing on the service's answer), which is how Safari treats them
over HTTP. Each Back is checked to be a page the cache brought back (kept: the script state it was
left with is still there; read again: reloaded after that), so the tests cannot pass on a page
served again by a plain Back. Chinese at 360 px, English at 768 px. One service for the module
(``clinic``; each test started one of its own, eight start-ups): every test registers patients of its
own (record numbers BACK-<case>-<language>) and counts only those, each in a page of a browser
context of its own, signed in with the cookies of the module's first login of its language
(``signed_in``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.chromium import Driver, close_tab, launched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, clinic, signed_in
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["clinic", "pytestmark"]

OPENED = "SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ?"


@pytest.fixture(scope="module")
def cached_browser(playwright_driver: Driver) -> Iterator[Any]:
    """Chromium as a person runs it: its back-forward cache on (a browser of its own, of the test
    process's one Playwright driver)."""
    with launched(playwright_driver, ignore_default_args=["--disable-back-forward-cache"]) as browser:
        yield browser


def _kept_whole(route: Any) -> None:
    """The service's answer, as a browser that keeps a no-store page over HTTP treats it."""
    answer = route.fetch(max_redirects=0)
    headers = {name: value for name, value in answer.headers.items() if name.lower() != "cache-control"}
    route.fulfill(response=answer, headers=headers)


def _signed_in(browser: Any, desk: Desk, role: Role, width: int, language: str) -> Any:
    page: Any = signed_in(browser, desk, role, width, language)
    page.route(re.compile(r".*/(queue(/rows)?(\?.*)?|encounters/\d+)$"), _kept_whole)
    return page


def _queue(browser: Any, desk: Desk, width: int, language: str) -> Any:
    page = _signed_in(browser, desk, Role.nurse, width, language)
    page.goto(f"{desk.url}/queue")
    page.evaluate("window.__kept = true")  # still set on the page the cache brings back
    return page


def _walk_in(page: Any, mrn: str, name: str) -> None:
    if not page.evaluate("document.getElementById('walk-in').open"):
        page.locator("#walk-in summary").click()
    page.locator("#walk-in input[name=mrn]").fill(mrn)
    page.locator("#walk-in input[name=name]").fill(name)
    with page.expect_navigation():
        page.locator("#walk-in button[type=submit]").click()


def _back(page: Any, path: str) -> str:
    """Back to ``path``: "kept" - the page the cache brought back, its script state still there (a
    page served again would not have it) - or "read again" - brought back, then reloaded."""
    page.go_back(wait_until="commit")
    page.wait_for_url(re.compile(f".*{path}$"), wait_until="commit")
    page.wait_for_function("() => document.readyState === 'complete'")
    if page.evaluate("window.__kept === true"):
        return "kept"
    navigation = page.evaluate("performance.getEntriesByType('navigation')[0].type")
    return "read again" if navigation == "reload" else navigation


@pytest.mark.parametrize(("width", "language"), [(360, "zh"), (768, "en")])
def test_the_walk_in_form_brought_back_by_back_registers_the_next_patient(
    cached_browser: Any, clinic: Desk, width: int, language: str
) -> None:
    said = catalogue(language)
    page = _queue(cached_browser, clinic, width, language)
    first, second = f"BACK-A-{language}", f"BACK-B-{language}"
    _walk_in(page, first, "Synthetic First")
    assert page.inner_text("#done").strip("✓ \n") == said("done.walk_in")
    # nothing typed but what was stored: the queue is read again, its rows and a new form as they are
    assert _back(page, "/queue") == "read again"
    assert page.locator("#walk-in input[name=mrn]").input_value() in ("", first)
    _walk_in(page, second, "Synthetic Second")  # the next patient
    assert re.search(r"/encounters/\d+$", page.url), page.inner_text("main")[:600]
    assert page.inner_text("#done").strip("✓ \n") == said("done.walk_in"), page.inner_text("main")[:600]
    assert clinic.count(OPENED, second) == 1 and clinic.count(OPENED, first) == 1
    assert_fits(page, f"the second walk-in ({language}, {width} px)")
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), [(360, "zh"), (768, "en")])
def test_a_patient_page_brought_back_with_nothing_typed_shows_the_reading_stored_meanwhile(
    cached_browser: Any, clinic: Desk, width: int, language: str
) -> None:
    """The nurse leaves the patient's page for the queue; a reading arrives; Back brought the page
    back as it was - the decision and readings before it - where a page served again shows it."""
    made = clinic.api(
        Role.nurse, "/assessments", {"patient": {"mrn": f"BACK-READ-{language}"}, "observations": CALM}
    )
    encounter = made["encounter_id"]
    page = _signed_in(cached_browser, clinic, Role.nurse, width, language)
    page.goto(f"{clinic.url}/encounters/{encounter}")
    page.evaluate("window.__kept = true")
    assert "6.4" not in page.locator("main").inner_text()
    with page.expect_navigation():
        page.locator("header a[href='/queue']").click()
    reading = {"code": "glucose_random", "value": 6.4, "unit": "mmol/L"}
    clinic.api(Role.nurse, f"/encounters/{encounter}/observations", [reading])
    assert _back(page, f"/encounters/{encounter}") == "read again", "not the page as it was left"
    assert "6.4" in page.locator("table.readings").inner_text(), "the reading stored meanwhile"
    assert_fits(page, f"the patient read again ({language}, {width} px)")
    close_tab(page)


def test_a_walk_in_form_that_had_no_answer_keeps_its_key_when_brought_back(
    cached_browser: Any, clinic: Desk
) -> None:
    """Sent while the service could not be reached (the browser's own error page came instead): it
    may have been stored, so brought back by Back it says so - "No answer came for this form ...
    Check whether it was recorded before sending it again.", as the form put back on a page served
    again does; brought back from the cache it said nothing - and sent again, changed or not, it
    carries the key it was sent with: the service answers the record it made or refuses other
    contents."""
    page = _queue(cached_browser, clinic, 768, "en")
    page.evaluate("window.__kept = true")
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(re.findall(r"form_key=([^&]*)", r.post_data or "")[0])
            if r.url.endswith("/walk-ins")
            else None
        ),
    )
    page.route("**/walk-ins", lambda route: route.abort("connectionrefused"))
    page.locator("#walk-in summary").click()
    page.locator("#walk-in input[name=mrn]").fill("BACK-DOWN")
    page.locator("#walk-in input[name=name]").fill("Synthetic Down")
    with page.expect_event("requestfailed"):
        page.locator("#walk-in button[type=submit]").click()  # the browser's error page comes instead
    # the error page loaded whole: Chromium shows it in a renderer of its own, and Back sent while
    # the page moves there failed now and then (in make test) with "Not attached to an active page"
    page.wait_for_url(re.compile(r"^chrome-error:"), wait_until="load")
    page.unroute("**/walk-ins")
    assert _back(page, "/queue") == "kept", "what was typed, unanswered, kept"
    # said, as on a page served again (app.js restore): it may have been stored, check first
    note = page.locator("#walk-in form .notice.restored")
    assert note.count() == 1 and note.inner_text() == catalogue("en")("draft.unanswered")
    page.locator("#walk-in input[name=name]").fill("Synthetic Down Corrected")
    with page.expect_navigation():
        page.locator("#walk-in button[type=submit]").click()
    assert len(keys) == 2 and keys[0] == keys[1], keys
    assert clinic.count(OPENED, "BACK-DOWN") == 1
    close_tab(page)


@pytest.mark.parametrize(("width", "language"), [(360, "zh"), (768, "en")])
def test_the_queue_brought_back_with_a_walk_in_typed_and_not_sent_keeps_the_typing(
    cached_browser: Any, clinic: Desk, width: int, language: str
) -> None:
    """The nurse types a patient's record number and name into the walk-in form, then opens the
    referrals list before sending it. Back brings the queue back as it was left - read again, the
    page would have come with an empty form, what she typed thrown away - and the form, sent then,
    registers that patient once."""
    page = _queue(cached_browser, clinic, width, language)
    mrn, name = f"BACK-TYPED-{language}", "Synthetic Typed"
    page.locator("#walk-in summary").click()
    page.locator("#walk-in input[name=mrn]").fill(mrn)
    page.locator("#walk-in input[name=name]").fill(name)
    with page.expect_navigation():
        page.locator("header a[href='/referrals']").click()
    assert _back(page, "/queue") == "kept", "typed and not sent: not read again"
    typed = [page.locator(f"#walk-in input[name={field}]").input_value() for field in ("mrn", "name")]
    assert typed == [mrn, name], "what was typed is there"
    assert clinic.count(OPENED, mrn) == 0, "nothing was sent"
    with page.expect_navigation():
        page.locator("#walk-in button[type=submit]").click()
    assert page.inner_text("#done").strip("✓ \n") == catalogue(language)("done.walk_in")
    assert clinic.count(OPENED, mrn) == 1
    assert_fits(page, f"the walk-in typed before Back ({language}, {width} px)")
    close_tab(page)


def test_a_patient_page_brought_back_with_a_reading_chosen_keeps_the_choice(
    cached_browser: Any, clinic: Desk
) -> None:
    """A choice counts as typing: the reading chosen in the reading form (served with none
    chosen), no value typed yet, and the queue opened; Back brings the page back as it was left,
    the choice still made - not read again, where the form would come back unchosen."""
    made = clinic.api(Role.nurse, "/assessments", {"patient": {"mrn": "BACK-CHOSEN"}, "observations": CALM})
    page = _signed_in(cached_browser, clinic, Role.nurse, 768, "en")
    page.goto(f"{clinic.url}/encounters/{made['encounter_id']}")
    page.evaluate("window.__kept = true")
    page.locator("#reading-form select[name=code]").select_option("glucose_random")
    with page.expect_navigation():
        page.locator("header a[href='/queue']").click()
    assert _back(page, f"/encounters/{made['encounter_id']}") == "kept", "a choice made: not read again"
    assert page.locator("#reading-form select[name=code]").input_value() == "glucose_random"
    close_tab(page)
