"""The patient's heading ("Patient: 王芳 DAY-1 · 性别未记录 · 年龄未记录") on a phone began a line with
its separator: "· 年龄未记录" (390 px, Chinese). In a real Chromium at every width from 300 to 800 px,
in Chinese and English, a "·" stays at the end of the line with what it follows, on the patient page
and the find-a-patient page. (10 px apart, and each of app.css's breakpoints on both sides; the
widths between two breakpoints laid out in one call each: tests/service/widths.py.)"""

from __future__ import annotations

import json
from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from tests.service.widths import swept
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: each "·" in the heading that starts a line: its top is below the character before it
LEADING = r"""(selector) => {
  const found = [];
  const root = document.querySelector(selector);
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walk.nextNode(); node; node = walk.nextNode())
    for (let i = 0; i < node.textContent.length; i++) if (node.textContent[i].trim()) chars.push([node, i]);
  const top = ([node, i]) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    const rect = [...r.getClientRects()].find((x) => x.width > 0); return rect ? Math.round(rect.top) : null; };
  chars.forEach(([node, i], k) => {
    if (node.textContent[i] === '·' && k > 0 && top(chars[k]) > top(chars[k - 1])) found.push(root.innerText);
  });
  return found;
}"""


def test_a_separator_never_starts_a_line_of_the_patients_heading(browser: object, desk: Desk) -> None:
    made = desk.api(
        Role.nurse, "/assessments", {"patient": {"mrn": "SEP-1", "name": "王芳"}, "observations": CALM}
    )
    page: Any = log_in(browser, desk, Role.nurse, 390, "zh")
    for language in ("zh", "en"):
        switched(page, language, 390)  # (signed in once: the language switch for English)
        for path, selector in (
            (f"/encounters/{made['encounter_id']}", "h1"),
            ("/patients?mrn=SEP-1", "#found-patient"),
        ):
            page.goto(f"{desk.url}{path}")
            for width in swept(page, f"() => ({LEADING})({json.dumps(selector)})", range(300, 801, 10)):
                found = width.found
                assert not found, f"{path} ({language}, {width.px} px): a line starts with '·': {found}"
    close_tab(page)
