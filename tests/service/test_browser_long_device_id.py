"""A long device id in the patient page's readings (40 characters, from a device bridge) breaks at
its own separators (after '-', '_', '.', ':' or '/': ``pages.rendering.ident`` for an id longer than
24 characters) instead of pushing the readings card sideways: at 1280 px in English the card
scrolled by about 64 px, the id kept on one line (``td .ident { white-space: nowrap }``). A short
id stays whole. Real Chromium on a real uvicorn server over a real SQLite file, 1280/768/390 px."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

LONG = "BEDSIDE-MONITOR-WARD-2_SPO2-PORT_0007-A1"  # 40 characters (synthetic test id)
SHORT = "BP-CUFF-3"
READINGS = [
    {"code": "spo2", "value": 97, "unit": "%", "device": LONG},
    {"code": "sbp", "value": 128, "unit": "mm[Hg]", "device": SHORT},
    {"code": "dbp", "value": 82, "unit": "mm[Hg]", "device": SHORT},
]

#: per device id in the readings: its text, each piece between the breaks it may take laid out on
#: one line or not, how many lines it takes; and whether the readings region scrolls sideways
LAID_OUT = r"""() => {
  const table = document.querySelector('table.readings');
  const ids = [...table.querySelectorAll('td.source .ident')].map((span) => {
    const tops = (range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    const whole = document.createRange(); whole.selectNodeContents(span);
    const pieces = [...span.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => {
      const range = document.createRange(); range.selectNodeContents(n);
      return {text: n.textContent, lines: tops(range).size};
    });
    return {text: span.textContent, lines: tops(whole).size, pieces};
  });
  const region = table.closest('.table-scroll');
  return {ids, scrolls: region.scrollWidth - region.clientWidth};
}"""


def test_a_long_device_id_breaks_at_its_separators_and_a_short_one_stays_whole(
    browser: object, desk: Desk
) -> None:
    assert len(LONG) == 40
    made = desk.api(Role.nurse, "/assessments", {"patient": {"mrn": "LONG-ID-1"}, "observations": READINGS})
    page: Any = log_in(browser, desk, Role.nurse, 1280, "en")
    page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
    for width in (1280, 768, 390):
        page.set_viewport_size({"width": width, "height": 900})
        where = f"{width} px"
        found = page.evaluate(LAID_OUT)
        assert found["scrolls"] <= 0, f"{where}: the readings scroll sideways by {found['scrolls']} px"
        ids = {i["text"]: i for i in found["ids"]}
        assert set(ids) == {LONG, SHORT}, (where, ids)
        assert all(i["lines"] == 1 for t, i in ids.items() if t == SHORT), (where, ids)
        long = ids[LONG]
        assert len(long["pieces"]) > 1, (where, long)  # breaks it may take: after its separators
        assert all(p["lines"] == 1 for p in long["pieces"]), f"{where}: broken inside a piece: {long}"
        assert all(p["text"][-1] in "-_.:/" for p in long["pieces"][:-1]), (where, long)
        assert_fits(page, f"readings with a long device id ({where})")
    close_tab(page)
