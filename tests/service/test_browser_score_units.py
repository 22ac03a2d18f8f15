"""The scores table's short values ("≥3 points", "≥11 分") on a phone: in English the value wrapped
between its number and its unit ("≥3" / "points") below 640 px, where the table lets English wrap
at spaces (so that it fits 300 px). From 360 px up a short value now stays on one line, and the
page still does not scroll sideways nor the table leave its card. Real Chromium, en and zh."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from tests.service.widths import swept
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: The short values (not the long "compound" ones, whose unit goes under the number on purpose) laid
#: out on more than one line, and those seen; and where the scores table ends and the room its card
#: (#reasons) has inside its padding ends.
SPLIT = r"""() => {
  const split = [], seen = [];
  for (const cell of document.querySelectorAll('table.scores td.value:not(.compound)')) {
    const text = cell.textContent.trim();
    if (!/\d/.test(text) || !text.includes(' ')) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    seen.push(text);
    if (tops.size > 1) split.push(text);
  }
  const card = document.querySelector('#reasons'), table = document.querySelector('table.scores').getBoundingClientRect();
  const room = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
  return {split, seen, room, table: {x: table.x, width: table.width}};
}"""


def test_a_short_score_value_keeps_its_unit_on_its_line_from_360_px(browser: object, desk: Desk) -> None:
    """Every 20 px from 360 to 1320 px and at each of app.css's breakpoints on both sides, the
    widths between two breakpoints laid out in one call each (tests/service/widths.py): no short
    value over two lines and the table inside its card. That the page does not scroll sideways is
    read in a real viewport of each width laid out so - each breakpoint on both sides, where the
    rules change, and every 80 px between them."""
    made = desk.api(Role.nurse, "/assessments", WALK_IN)
    page: Any = log_in(browser, desk, Role.clinician, 360, "en")
    for language in ("en", "zh"):
        switched(page, language, 360)  # (signed in once: the language switch for Chinese)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        for width in swept(page, SPLIT, range(360, 1321, 20), real=range(360, 1321, 80)):
            where = f"{language}, {width.px} px"
            found = width.found
            assert found["seen"], f"{where}: no score value with a unit"
            assert not found["split"], f"{where}: number and unit on two lines: {found['split']}"
            box, room = found["table"], found["room"]
            assert box["x"] + box["width"] <= room + 0.5, (where, box, room)
            if width.real:
                assert_fits(page, where)
    close_tab(page)
