"""The decision's recheck interval ("15 分钟后复测", "Recheck in 15 min") on a phone broke between the
number and its unit: "· 15" at the end of one line, "分钟后复测" at the start of the next (390 px,
Chinese). In a real Chromium, at every width from 300 to 800 px (10 px apart, and each of app.css's
breakpoints on both sides; the widths between two breakpoints laid out in one call each:
tests/service/widths.py), in Chinese and English, the number and its unit share a line."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.widths import swept
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: the lines the recheck interval's number and unit are laid out on
LINES = r"""() => {
  const box = document.querySelector('#decision');
  const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const found = node.textContent.match(/\d+ (?:分钟|小时|min|h)/);
    if (!found) continue;
    const range = document.createRange();
    range.setStart(node, found.index); range.setEnd(node, found.index + found[0].length);
    return {text: found[0], tops: [...new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))]};
  }
  return null;
}"""


def test_the_recheck_interval_keeps_its_number_with_its_unit(browser: object, desk: Desk) -> None:
    made = desk.api(Role.nurse, "/assessments", WALK_IN)
    page: Any = log_in(browser, desk, Role.clinician, 390, "zh")
    for language in ("zh", "en"):
        switched(page, language, 390)  # (signed in once: the language switch for English)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        for width in swept(page, LINES, range(300, 801, 10)):
            found = width.found
            assert found is not None, f"{language}: no recheck interval in the decision"
            assert len(found["tops"]) == 1, f"{language}, {width.px} px: {found['text']!r} on two lines"
    close_tab(page)
