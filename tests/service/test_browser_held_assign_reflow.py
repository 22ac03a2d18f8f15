"""A held result's Assign list on a phone, and identifiers isolated as names are.

At 320 px (WCAG 1.4.10, reflow) the closed Assign list cut the visit chosen at its width: "Wang
Xiaoming Zhang-Longname ·" and no record number, so the nurse could not check the patient she gave
the result to before pressing Assign. The visit chosen is now written out in full under the list,
wrapping inside the screen (en and zh).

A record number an older log keeps with a right-to-left override (U+202E; refused since) turned the
text after it backwards where it is inline - the queue's "· 67 years" after the number - while
a patient's name has been isolated since 4bbd10b3; every identifier is isolated now (``.ident``,
and the record number in the Assign list's options between U+2068 and U+2069).

A real Chromium on a real uvicorn server over a real SQLite file; SYNTHETIC patients. One service
for the module (``clinic``; each case started one of its own) and the nurse's one sign-in through
the login form, in one tab (switched.kept_tab), taken to each case's language by the header's switch
(switched.switched; each case signed her in through the form in a tab of its own, three argon2id
verifies and three Chromium renderers): each case stores a visit and a held result of its own (its
record number and sample) and reads only those, so no case's rows answer another's question."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic
from tests.service.test_held_results import lab_message, lab_result
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]

NAME = "Wang Xiaoming Zhang-Longname"
#: each language's record number (one length: a case's visit of its own on the module's service)
MRNS = {"en": "DEMO-LONG-RECORD-0001", "zh": "DEMO-LONG-RECORD-0002"}

#: the characters of ``after`` in ``holder``'s text drawn left to right, and all after the last
#: character of ``before`` (``before`` comes first in the text: a right-to-left override in it must
#: not draw what follows before its end)
_ORDER = """(holder, [before, after]) => {
  const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT), nodes = [];
  while (walker.nextNode()) { nodes.push(walker.currentNode); }
  const boxes = (needle) => {
    for (const node of nodes) {
      const at = node.data.indexOf(needle);
      if (at < 0) { continue; }
      const range = document.createRange(), out = [];
      for (let i = at; i < at + needle.length; i++) {
        range.setStart(node, i); range.setEnd(node, i + 1);
        const r = range.getBoundingClientRect();
        if (r.width > 0) { out.push({left: r.left, right: r.right, top: r.top}); }
      }
      return out;
    }
    return null;
  };
  return {before: boxes(before), after: boxes(after)};
}"""


def _drawn_after(holder: Any, before: str, after: str) -> None:
    drawn = holder.evaluate(_ORDER, [before, after])
    assert drawn["before"] and drawn["after"], drawn
    lefts = [b["left"] for b in drawn["after"] if b["top"] == drawn["after"][0]["top"]]
    assert lefts == sorted(lefts), f"{after!r} drawn out of order: {drawn}"
    same_line = [b for b in drawn["before"] if b["top"] == drawn["after"][0]["top"]]
    if same_line:
        end = max(b["right"] for b in same_line)
        assert lefts[0] >= end - 0.5, f"{after!r} drawn before the end of {before!r}: {drawn}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_visit_chosen_is_shown_whole_at_320_px(browser: object, clinic: Desk, language: str) -> None:
    desk, mrn = clinic, MRNS[language]
    visit = desk.api(
        Role.nurse,
        "/assessments",
        {"patient": {"mrn": mrn, "name": NAME, "sex": "male"}, "age_years": 67, "observations": CALM},
    )["encounter_id"]
    (result,) = lab_message(desk, lab_result("GLU", code="glucose_random", sample=f"S-REFLOW-{language}"))
    page: Any = kept_tab(browser, desk, Role.nurse, 320)
    page.goto(f"{desk.url}/devices")
    switched(page, language, 320)  # (to Chinese: the switch loads the devices page again)
    row = page.locator(f"tr[data-result='{result}']")
    chosen = row.locator("small.chosen-visit")
    expect(chosen).to_be_hidden()  # nothing chosen: nothing said
    row.locator("select[name=encounter_id]").select_option(str(visit))
    expect(chosen).to_be_visible()
    shown = chosen.inner_text()
    assert NAME in shown and mrn in shown and f"#{visit}" in shown, shown
    box = chosen.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    assert chosen.evaluate("el => el.scrollWidth <= el.clientWidth"), "cut inside its box"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the page scrolls sideways"
    # choosing none again takes it away; the reason typed, Assign stores it for that visit
    row.locator("select[name=encounter_id]").select_option("")
    expect(chosen).to_be_hidden()


def test_a_record_number_with_a_right_to_left_override_never_turns_what_follows(
    browser: object, clinic: Desk
) -> None:
    desk = clinic
    visit = desk.api(
        Role.nurse,
        "/assessments",
        {"patient": {"mrn": "RLO-7", "name": NAME, "sex": "male"}, "age_years": 67, "observations": CALM},
    )["encounter_id"]
    (result,) = lab_message(desk, lab_result("GLU", code="glucose_random", sample="S-RLO-1"))
    stored = "RLO-\u202e7AB"
    db = desk.app.state.runtime.databases.get()
    with db.conn:  # as a log written before the override was refused in a record number holds it
        db.conn.execute("UPDATE patients SET mrn = ? WHERE mrn = 'RLO-7'", [stored])
    page: Any = kept_tab(browser, desk, Role.nurse, 1280)
    page.goto(f"{desk.url}/queue")
    switched(page, "en", 1280)  # (English again after a Chinese case: the switch loads /queue again)
    _drawn_after(
        page.locator(f"td.patient:has(a[href='/encounters/{visit}']) small").first, "7AB", "67 years"
    )
    page.goto(f"{desk.url}/devices")
    row = page.locator(f"tr[data-result='{result}']")
    row.locator("select[name=encounter_id]").select_option(str(visit))
    chosen = row.locator("small.chosen-visit")
    expect(chosen).to_be_visible()
    _drawn_after(chosen, "7AB", "Male")
