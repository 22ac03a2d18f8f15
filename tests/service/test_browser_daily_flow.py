"""A nurse's and a GP's day on the staff pages in a real Chromium, on a real uvicorn server over a
real SQLite file, at tablet (768x1024) and phone (390x844) width, in Chinese and English: the
urgent badges read whole, and the daily flow - log in, queue, walk-in, readings, decision, override,
referral, print, log out - works from the keyboard with every control named."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import WALK_IN
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

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
    page's decision box, in both languages."""
    emergency = desk.api(Role.nurse, "/assessments", WALK_IN)
    urgent = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "SPO2-90"}, "observations": LOW_SPO2})
    assert (emergency["disposition"], urgent["disposition"]) == ("emergency_transfer", "urgent_referral")
    for language in ("zh", "en"):
        page: Any = log_in(browser, desk, Role.nurse, 768, language)
        for path, signs in (("/queue", 2), (f"/encounters/{emergency['encounter_id']}", 1)):
            page.goto(f"{desk.url}{path}")
            for width in range(300, 1321, 20):
                page.set_viewport_size({"width": width, "height": 900})
                found = page.evaluate(SIGN_APART)
                where = f"{path} ({language}, {width} px)"
                assert len(found["seen"]) == signs, f"{where}: {found['seen']}"
                assert not found["apart"], f"{where}: a warning sign alone on its line: {found['apart']}"
        page.close()
