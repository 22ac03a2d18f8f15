"""The decision box's links down the page - "Why: the reasons and scores ↓" and, for a clinician,
"Refer or change the decision ↓" (查看理由和评分 ↓, 转诊或更改决定 ↓) - keep their arrow with their
last word. On a 320 px phone the arrow stood alone on a line of its own under the link's words (in
English under the first link, in Chinese under the second), a stray mark under the decision that
read as a link of its own. Real Chromium on a real uvicorn server over a real SQLite file, the
arrow's line measured against the character before it, en and zh at 320 and 360 px."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: each link of the decision box: its text, and the tops of its arrow and of the character before it
ARROWS = """() => [...document.querySelectorAll('#decision p.to-reasons a')].map(a => {
  const text = a.firstChild, at = text.textContent.lastIndexOf('↓');
  let before = at - 1;
  while (before > 0 && /\\s/.test(text.textContent[before])) before--;
  const top = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
    return Math.round(r.getBoundingClientRect().top); };
  return [a.textContent, top(at), top(before)]; })"""


def test_the_decision_box_links_keep_their_arrow_with_their_words(browser: object, desk: Desk) -> None:
    page: Any = None
    for language in ("en", "zh"):
        made = desk.api(
            Role.nurse, "/assessments", {"patient": {"mrn": f"ARROW-{language}"}, "observations": CALM}
        )
        if page is None:  # one sign-in: it signed in through the login form for each language
            page = log_in(browser, desk, Role.clinician, 320, language)
        page.goto(f"{desk.url}/encounters/{made['encounter_id']}")
        switched(page, language, 320)  # to Chinese: the header's switch, back to the patient's page
        for width in (320, 360):  # one page, laid out at each width in turn
            page.set_viewport_size({"width": width, "height": 900})
            links = page.evaluate(ARROWS)
            assert len(links) == 2, f"the decision box's links ({language}, {width} px): {links}"
            for text, arrow, word in links:
                assert arrow == word, f"{text!r} ({language}, {width} px): its arrow is alone on a line"
            assert_fits(page, f"the decision box ({language}, {width} px)")
    close_tab(page)
