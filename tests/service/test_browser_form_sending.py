"""A form waiting for a slow service shows its button as not to be pressed again: the form refused a
second submit (``app.js``: the same reading recorded twice otherwise) but its button still looked
ready - a nurse saw nothing happen and pressed again and again. Now every button of the form is
marked ``aria-disabled`` (read out as unavailable; styled faded with a busy cursor) while the
answer is awaited, beside "Sending..."; it stays a real button, so its name and value (a referral's
"sent") are still sent. The request is held back by the browser test itself, not timed: each submit
records how the form's button then looks, a second Enter is refused; released, the reading is
stored once.
A real Chromium on a real uvicorn server over a real SQLite file, Chinese at 360 px, English at
768 px."""

from __future__ import annotations

from typing import Any

from tests.service.switched import switched_patient_pages
from tests.service.test_browser import pytestmark, wait_until
from tests.service.test_browser_desk import Desk, browser, desk
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: records, at the window (after app.js's listener on the document), each submit: refused or not and
#: how its button then looks - kept in sessionStorage, which outlives the page the form leads to
RECORDER = """() => window.addEventListener("submit", (e) => {
  const button = e.target.querySelector("button[type=submit]");
  const seen = JSON.parse(sessionStorage.getItem("submits") || "[]");
  seen.push([e.defaultPrevented, button.getAttribute("aria-disabled"), getComputedStyle(button).cursor,
    button.disabled]);
  sessionStorage.setItem("submits", JSON.stringify(seen));
})"""


def _holding(held: list[Any]) -> Any:
    """A route handler that holds each request back in ``held`` until the test releases it."""

    def hold(route: Any) -> None:
        held.append(route)

    return hold


def held_back(page: Any, url: str) -> list[Any]:
    """Hold back each request to ``url`` in the list returned, until the test releases it, and record
    each submit of the page (:data:`RECORDER`)."""
    held: list[Any] = []
    page.route(url, _holding(held))
    page.evaluate(RECORDER)
    return held


def wait_held(page: Any, held: list[Any]) -> None:
    """Until :func:`held_back`'s handler holds the request sent (Playwright runs a route's handler
    only while the test is in one of its calls: a short wait of its own between looks)."""
    wait_until(lambda: page.wait_for_timeout(50) or held, 10)


def test_a_form_waiting_for_its_answer_shows_its_button_unavailable_and_sends_once(
    browser: object, desk: Desk
) -> None:
    # one sign-in; own_tab: the English page in a context of its own, its sessionStorage (the
    # recorder's submits) empty, as each language's new login page had it
    for _language, _width, page, made in switched_patient_pages(
        browser, desk, "SENDING", Role.nurse, own_tab=True
    ):
        encounter = made["encounter_id"]
        held = held_back(page, f"**/encounters/{encounter}/readings")  # released below
        form = page.locator("#reading-form")
        assert form.locator("button[type=submit]").get_attribute("aria-disabled") is None
        form.locator("select[name=code]").select_option("glucose_random")
        form.locator("input[name=value]").focus()
        page.keyboard.type("6.4")
        with page.expect_request(f"**/encounters/{encounter}/readings"):
            page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # pressed again while the answer is held back
        assert len(held) == 1
        with page.expect_navigation():
            held[0].continue_()
        page.wait_for_selector("#done")
        first, second = page.evaluate("JSON.parse(sessionStorage.getItem('submits'))")
        # sent, its button marked unavailable (faded, a busy cursor) yet a real button; then refused
        assert first == [False, "true", "progress", False], first
        assert second[0] is True, "the second Enter is refused"
        stored = desk.count(
            "SELECT count(*) FROM observations WHERE encounter_id = ? AND code = 'glucose_random'", encounter
        )
        assert stored == 1
        assert page.locator("#reading-form button[type=submit]").get_attribute("aria-disabled") is None
