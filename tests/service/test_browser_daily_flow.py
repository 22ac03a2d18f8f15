"""A nurse's and a GP's day on the staff pages in a real Chromium, on a real uvicorn server over a
real SQLite file, at tablet (768x1024) and phone (390x844) width, in Chinese and English: the
urgent badges read whole, and the daily flow - log in, queue, walk-in, readings, decision, override,
the referral triage proposed sent, print, log out - works from the keyboard with every control named."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.conftest import PASSWORD, WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic, desk, log_in
from tests.service.widths import swept
from triage.service.auth import Role

__all__ = ["browser", "clinic", "desk", "pytestmark"]

#: A patient whose SpO2 alone is critical: an urgent referral (the queue's orange badge).
LOW_SPO2 = [{**CALM[0], "value": 90}, *CALM[1:]]

#: Each warning sign (an aria-hidden ⚠ in a badge or the decision box's heading) that the browser
#: laid out on another line than the first character of the words it warns of.
SIGN_APART = """() => {
  const apart = [], seen = [];
  for (const el of document.querySelectorAll('.badge, #decision > strong')) {
    const icon = el.querySelector('[aria-hidden=true]');
    if (!icon || !el.getClientRects().length) continue;
    let node = icon.nextSibling;
    while (node && !node.textContent.trim()) node = node.nextSibling;
    if (!node) { apart.push(el.textContent + ' (no words after the sign)'); continue; }
    if (node.nodeType !== Node.TEXT_NODE) node = node.firstChild;
    const text = node.textContent, first = text.search(/\\S/);
    const range = document.createRange();
    range.setStart(node, first); range.setEnd(node, first + 1);
    const sign = icon.getBoundingClientRect(), word = range.getBoundingClientRect();
    seen.push(el.textContent.trim());
    if (Math.abs((sign.top + sign.bottom) / 2 - (word.top + word.bottom) / 2) > sign.height / 2) {
      apart.push(el.textContent.trim() + ' (sign at ' + Math.round(sign.top) + ', words at ' + Math.round(word.top) + ')');
    }
  }
  return {apart, seen};
}"""


def test_the_urgent_badges_warning_sign_never_wraps_away_from_its_words(browser: object, desk: Desk) -> None:
    """The queue's decision column at 768 px in Chinese put the badge's ⚠ on a line of its own
    above 紧急转运 (the space after the sign was the column's only break): the sign now stays with
    the first word at every width from a small phone to a desktop, in the queue and in the patient
    page's decision box, in both languages. (Every 20 px and each of app.css's breakpoints on both
    sides; the widths between two breakpoints laid out in one call each: tests/service/widths.py.)"""
    emergency = desk.api(Role.nurse, "/assessments", WALK_IN)
    urgent = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "SPO2-90"}, "observations": LOW_SPO2})
    assert (emergency["disposition"], urgent["disposition"]) == ("emergency_transfer", "urgent_referral")
    page: Any = None
    for language in ("zh", "en"):
        if page is None:  # one sign-in: it signed in through the login form for each language
            page = log_in(browser, desk, Role.nurse, 768, language)
        switched(page, language, 768)  # to English: the header's switch (the page then loaded anew)
        for path, signs in (("/queue", 2), (f"/encounters/{emergency['encounter_id']}", 1)):
            page.goto(f"{desk.url}{path}")
            for width in swept(page, SIGN_APART, range(300, 1321, 20)):
                found = width.found
                where = f"{path} ({language}, {width.px} px)"
                assert len(found["seen"]) == signs, f"{where}: {found['seen']}"
                assert not found["apart"], f"{where}: a warning sign alone on its line: {found['apart']}"
    close_tab(page)


#: Each visible control a screen reader would announce without a name: an input, select or textarea
#: without a label (or aria-label), a button or link without words.
UNNAMED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href], summary')]
  .filter((el) => el.type !== 'hidden' && el.getClientRects().length)
  .filter((el) => {
    const label = el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join(' ')
      || (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) ? el.textContent : '');
    return !label.trim();
  })
  .map((el) => el.outerHTML.slice(0, 120))"""

WORDS = {
    "en": {"reason_empty": "Please give a reason for overriding the decision", "kept": "Local care"},
    "zh": {"reason_empty": "请填写更改处置决定的理由", "kept": "本院诊治"},
}


def _keys(page: Any, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def _checked(page: Any, where: str) -> None:
    """Every control named, nothing out of view or scrolling the page sideways."""
    assert page.evaluate(UNNAMED) == [], f"{where}: controls without a name"
    assert_fits(page, where)


@pytest.mark.parametrize(("width", "height"), [(768, 1024), (390, 844)])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_gps_day_by_keyboard_alone_on_a_tablet_and_a_phone(
    browser: object, clinic: Desk, width: int, height: int, language: str
) -> None:
    """Log in (a mistyped password first), register a walk-in, type the vital signs, read the decision, override it (an empty
    reason first: said beside the field, which takes the focus, the decision chosen kept), refer,
    print and log out - with the keyboard only (Tab, typing, Enter), every control named, nothing
    off the screen, at 768x1024 and 390x844 in both languages. The four days share one service
    (``clinic``): each registers a walk-in of its own (DAY-width-language) and acts only on it, and
    their four mistyped passwords stay within the five a minute the login limit allows."""
    clinic.app.state.runtime.accounts.set_language(Role.clinician.value, language)
    page: Any = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(f"{clinic.url}/login")
    _checked(page, f"login ({language}, {width} px)")
    page.focus("input[name=username]")
    page.keyboard.type(Role.clinician.value)
    _keys(page, "Tab")
    page.keyboard.type("mistyped")
    with page.expect_navigation():
        _keys(page, "Enter")
    # refused: the user name kept, the cursor in the password, which alone is typed again (its
    # focus, given by the page, arrives at Chromium's next rendering after the load: waited for)
    expect(page.locator("input[name=password]")).to_be_focused()
    assert page.input_value("input[name=username]") == Role.clinician.value
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        _keys(page, "Enter")
    assert page.url.endswith("/queue") and page.evaluate("document.documentElement.lang")[:2] == language
    _checked(page, f"queue ({language}, {width} px)")
    # the walk-in form is the page's first control after the header (Skip link, then Enter)
    _keys(page, "Tab", "Enter", "Tab")
    expect(page.locator("#walk-in summary")).to_be_focused()
    _keys(page, "Enter", "Tab")
    page.keyboard.type(f"DAY-{width}-{language}")
    _keys(page, "Tab")
    page.keyboard.type("张三" if language == "zh" else "Zhang San")
    _keys(page, "Tab", "Tab")  # past the sex
    page.keyboard.type("67")
    with page.expect_navigation():
        _keys(page, "Enter")
    assert re.search(r"/encounters/\d+$", page.url), page.url
    # the first vital sign takes the focus by itself (autofocus, at the next rendering): before typing
    expect(page.locator("#vitals-resp_rate")).to_be_focused()
    for typed in ("24", "91", None, "150", "95", "112", None, "38.4"):  # None: a choice left as it is
        if typed is not None:
            page.keyboard.type(typed)
        _keys(page, "Tab")
    _keys(page, "Shift+Tab")  # back on the temperature; Enter sends the form
    with page.expect_navigation():
        _keys(page, "Enter")
    decision = page.locator("#decision")
    assert "emergency_transfer" in (decision.get_attribute("class") or ""), decision.inner_text()
    assert page.locator("ul.reasons li").count() > 0
    _checked(page, f"patient ({language}, {width} px)")
    # the override: an empty reason comes back beside the field, which takes the focus
    page.focus("#override-form select[name=disposition]")
    page.select_option("#override-form select[name=disposition]", "local_care")
    _keys(page, "Tab")
    page.keyboard.type("   ")
    _keys(page, "Tab")
    with page.expect_navigation():
        _keys(page, "Enter")
    # the field in error takes the focus at Chromium's next rendering after the load: waited for
    expect(page.locator("#override-form [name=reason]")).to_be_focused()
    focused = page.evaluate(
        "[document.activeElement.name, !!document.activeElement.closest('#override-form'),"
        " document.getElementById(document.activeElement.getAttribute('aria-describedby')).textContent]"
    )
    assert focused[:2] == ["reason", True] and WORDS[language]["reason_empty"] in focused[2], focused
    chosen = page.locator("#override-form select[name=disposition] option:checked").inner_text()
    assert chosen == WORDS[language]["kept"]
    _checked(page, f"override sent back ({language}, {width} px)")
    page.keyboard.type("Seen in person: stable")
    _keys(page, "Tab")
    with page.expect_navigation():
        _keys(page, "Enter")
    assert page.locator("li.override").count() == 1
    # the decision typed on the page proposed a referral, as a device's results do: the GP sends it
    assert page.locator("#encounter-referrals .s-proposed").count() == 1
    page.focus("#encounter-referrals button[value=sent]")
    with page.expect_navigation():
        _keys(page, "Enter")
    assert page.locator("#encounter-referrals .s-sent").count() == 1
    page.emulate_media(media="print")
    assert not page.locator("#vitals-form").is_visible() and not page.locator("header nav").is_visible()
    assert page.locator("#decision").is_visible() and page.locator("#encounter-referrals").is_visible()
    page.emulate_media(media="screen")
    page.focus("header form[action='/logout'] button")
    with page.expect_navigation():
        _keys(page, "Enter")
    assert page.url.endswith("/login?ended=logout")
    close_tab(page)
