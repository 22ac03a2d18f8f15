"""Numbers and their units in the engine's text on the patient page, in a real Chromium: a value
never sits at the end of one line with its unit at the start of the next ("血氧饱和度 91" / "%",
seen in the 768 px print view), nor a date and time over two ("measured 2026-12-" / "06 00:16"), at any width from a small phone to a desktop, on screen and in
print, in Chinese and English."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_daily_flow import LOW_SPO2
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.widths import swept
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: Each number and its unit (as the pages show them) in the engine's text that the browser laid out
#: on two lines - measured on the text itself, whatever element holds it - and those seen.
APART = r"""() => {
  const unit = /(?:[<>≥≤]?\d+(?:\.\d+)?) (?:%|mmHg|次\/分|\/min|°C|分|points?)(?![A-Za-z])|\d{4}-\d{2}-\d{2} \d{2}:\d{2}/g;
  const apart = [], seen = [];
  // (a score's value cell is left out: its number and unit stack in a narrow column on purpose)
  const where = document.querySelectorAll('.reasons, ul.notes, table.readings, tr.score-detail, ul.ignored');
  for (const root of where) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const found of node.textContent.matchAll(unit)) {
        const range = document.createRange();
        range.setStart(node, found.index); range.setEnd(node, found.index + found[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (!rects.length) continue;
        seen.push(found[0]);
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        if (tops.size > 1) apart.push(node.parentElement.outerHTML.slice(0, 200) + found[0] + ' (lines at ' + [...tops].join(', ') + ')');
      }
    }
  }
  return {apart, seen};
}"""


def test_a_number_is_never_on_another_line_than_its_unit(browser: object, desk: Desk) -> None:
    """At every width from 300 to 1320 px (20 px apart, and each of app.css's breakpoints on both
    sides), on screen and in print media, each number and its unit in the reasons, notes, readings
    and the scores' explanations stays on one line (the client rects of its text share a line), for
    a low SpO2 (90 %: an urgent referral) and the emergency walk-in. The widths between two
    breakpoints are laid out in one call each (tests/service/widths.py: checked against a real
    viewport at both edges of each band)."""
    cases = [
        desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "SPO2-90"}, "observations": LOW_SPO2}),
        desk.api(Role.nurse, "/assessments", WALK_IN),
    ]
    page: Any = log_in(browser, desk, Role.clinician, 768, "zh")
    for language in ("zh", "en"):
        switched(page, language, 768)  # (signed in once: the language switch for English)
        for made in cases:
            page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
            for media in ("screen", "print"):
                page.emulate_media(media=media)
                for width in swept(page, APART, range(300, 1321, 20)):
                    found = width.found
                    where = f"encounter {made['encounter_id']} ({language}, {media}, {width.px} px)"
                    assert len(found["seen"]) >= 3, f"{where}: numbers with units seen: {found['seen']}"
                    assert not found["apart"], (
                        f"{where}: a number and its unit on two lines: {found['apart']}"
                    )
    close_tab(page)
