"""The record number after a right-to-left name stays in place: on the queue, an Arabic name put
a record number of digits to its left ("20417 محمد" read as the number first), and a name stored
with a right-to-left override (U+202E, refused since; an older log keeps it) turned the record
number after it backwards, its characters drawn right to left before the name's end. Each name is
now isolated (``<bdi>``): the record number is drawn after the name, left to right. In a real
Chromium on a real uvicorn server over a real SQLite file; SYNTHETIC patients."""

from __future__ import annotations

from typing import Any

from tests.service.chromium import close_tab
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import Desk, browser, desk, log_in
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

#: where the record number (``span.ident.mrn`` in the ``small`` after the name) is drawn against
#: what comes before it (the name): the rightmost edge of that, the number's characters' left edges
_PLACED = """holder => {
  const small = holder.querySelector("small"), number = small.querySelector("span.ident.mrn");
  const before = document.createRange();
  before.setStart(holder, 0); before.setEndBefore(small);
  const right = Math.max(...[...before.getClientRects()].map(r => r.right));
  const text = number.firstChild, range = document.createRange(), lefts = [];
  for (let i = 0; i < text.length; i++) {
    range.setStart(text, i); range.setEnd(text, i + 1); lefts.push(range.getBoundingClientRect().left);
  }
  return {right: right, lefts: lefts, shown: number.textContent};
}"""


def _in_place(holder: Any, mrn: str) -> None:
    placed = holder.evaluate(_PLACED)
    assert placed["shown"] == mrn
    assert placed["lefts"] == sorted(placed["lefts"]), f"{mrn} drawn out of order: {placed}"
    assert placed["lefts"][0] >= placed["right"] - 0.5, f"{mrn} drawn before the name's end: {placed}"


def test_the_record_number_after_a_right_to_left_name_stays_in_place(browser: object, desk: Desk) -> None:
    desk.api(Role.nurse, "/patients", {"mrn": "20417", "name": "محمد"})
    _, arabic = desk.referred("20417")
    _, old = desk.referred("RLO-7")
    db = desk.app.state.runtime.databases.get()
    with db.conn:  # as a log written before the override was refused holds it
        db.conn.execute("UPDATE patients SET name = 'Wang\u202eLi' WHERE mrn = 'RLO-7'")
    page: Any = log_in(browser, desk, Role.nurse, 1280, "en")
    page.goto(f"{desk.url}/referrals")
    for encounter, mrn in ((arabic, "20417"), (old, "RLO-7")):
        _in_place(page.locator(f'td.patient:has(a[href="/encounters/{encounter}"])'), mrn)
    for encounter, mrn in ((arabic, "20417"), (old, "RLO-7")):
        page.goto(f"{desk.url}/encounters/{encounter}")
        _in_place(page.locator("h1"), mrn)
    close_tab(page)
