"""Attaching a device on the patient page and detaching it (there, or on the devices page) now say
what they did at the top of the page they lead to, as the other forms do, and that sentence takes
the focus. They said nothing: the page came back with the focus at its top, and a nurse at the
keyboard, or hearing the page through a screen reader, had to look through the devices table to
learn whether the oximeter now sends its readings to this patient. A real Chromium on a real
uvicorn server over a real SQLite file, a real device gateway (the demo's devices on
pseudo-terminals); keyboard only, Chinese at 768 px and English at 1024 px. The nurse's one login,
in one tab for the module (switched.kept_tab: each page a tab of its own, a Chromium renderer
each), taken to each page's language by the header's switch."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.service.conftest import SERVER_WAIT_MS
from tests.service.switched import kept_tab, switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser
from tests.service.test_browser_focus_kept_on_refresh import gateway_desk
from tests.service.test_held_results import lab_message, lab_result
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "gateway_desk", "pytestmark"]

FOCUSED = "document.activeElement.id"


def _said(page: Any, text: str) -> None:
    done = page.locator("#done")
    expect(done).to_contain_text(text, timeout=SERVER_WAIT_MS)
    expect(done).to_have_attribute("role", "status")
    assert page.evaluate(FOCUSED) == "done", "the sentence takes the focus"


def test_attaching_and_detaching_a_device_say_so_and_take_the_focus(
    browser: object, gateway_desk: Desk
) -> None:
    desk = gateway_desk
    for language, width in (("zh", 768), ("en", 1024)):
        said = catalogue(language)
        made = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"ATT-{language}"}, "observations": CALM}
        )
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        switched(page, language, width)  # (the other language: the switch loads the page again)
        device = page.locator("#attach-form select[name=device_id]")
        device.focus()
        device.select_option("demo-oximeter")  # the keyboard's arrows in the list
        page.keyboard.press("Tab")  # the box "if attached to another patient, move it here"
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        _said(page, said("done.attached"))
        page.goto(f"{desk.url}/devices")
        page.locator("#detach-demo-oximeter").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        _said(page, said("done.detached"))
        expect(page.locator("tr[data-device='demo-oximeter'] td.attached .empty")).to_be_visible()


def _reviewed(page: Any, result_id: int, reason: str, done: str) -> None:
    """Types the reason in the focused field, then Tab to the form's button and Enter: the page
    says ``done``, the sentence has the focus, and the result is no longer listed."""
    page.keyboard.type(reason)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _said(page, done)
    expect(page.locator(f"tr[data-result='{result_id}']")).to_have_count(0)


def test_assigning_and_dismissing_a_held_result_say_so_and_take_the_focus(
    browser: object, gateway_desk: Desk
) -> None:
    """A held result's Assign and Dismiss on the devices page: the page came back at its top with
    no word, the result simply gone from the list. Now each says what it did and takes the focus."""
    desk = gateway_desk
    for language, width in (("zh", 768), ("en", 1024)):
        said = catalogue(language)
        made = desk.api(
            Role.nurse,
            "/assessments",
            {"patient": {"mrn": f"HELD-{language}", "name": f"Held {language}"}, "observations": CALM},
        )
        kept, dropped = lab_message(
            desk,
            lab_result("GLU", code="glucose_random", sample=f"KEPT-{language}"),
            lab_result("GLU", code="glucose_random", sample=f"DROPPED-{language}"),
        )
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/devices")
        switched(page, language, width)  # (the other language: the switch loads the page again)
        assign = page.locator(f"tr[data-result='{kept}'] .assign-form")
        chosen = assign.locator("select[name=encounter_id]")
        chosen.focus()
        chosen.select_option(str(made["encounter_id"]))  # the keyboard's arrows in the list
        page.keyboard.press("Tab")
        _reviewed(page, kept, "her sample, label torn", said("done.held_assigned"))
        page.locator(f"tr[data-result='{dropped}'] .dismiss-form input[name=reason]").focus()
        _reviewed(page, dropped, "test strip", said("done.held_dismissed"))
        reviewed = "SELECT count(*) FROM device_result_reviews WHERE result_id = ? AND state = ?"
        assert desk.count(reviewed, kept, "assigned") == desk.count(reviewed, dropped, "dismissed") == 1
