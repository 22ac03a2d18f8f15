"""The devices page's Assign lists hold the newest visits open today only (``held.ASSIGN_LIST_MAX``,
500): on a day with more, the older visits were left out without a word, and a nurse looking for
a patient who came early found no such choice and no reason. The page now says that the lists hold
only the newest N of the M open visits and how to reach a patient who is not listed, once above
the results, and each list is described by it (a screen reader says it at the list). A real
Chromium on a real uvicorn server over a real SQLite file; the cap lowered to two visits so that a
few visits pass it; keyboard only, English at 1024 px and Chinese at 375 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.service.chromium import close_tab
from tests.service.switched import switched
from tests.service.test_browser import pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, desk, log_in
from tests.service.test_held_results import lab_message, lab_result
from triage.service import held
from triage.service.auth import Role

__all__ = ["browser", "desk", "pytestmark"]

SAID = {
    "en": "The Assign lists hold only the newest 2 of the 3 visits open today",
    "zh": "指派列表只列出今日 3 个未结束就诊中最新的 2 个",
}


def test_assign_lists_shorter_than_the_days_open_visits_say_so(
    browser: object, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(held, "ASSIGN_LIST_MAX", 2)
    visits = [
        desk.api(Role.nurse, "/assessments", {"patient": {"mrn": f"CAP-{i}"}, "observations": CALM})
        for i in range(3)
    ]
    (result,) = lab_message(desk, lab_result("GLU", code="glucose_random", sample="CAP-S1"))
    devices = f"{desk.url}/devices"
    # one sign-in (it signed in through the login form for each language): Chinese by the header's
    # switch, which loads the devices page again, and back to English at 1024 px by it
    page: Any = log_in(browser, desk, Role.nurse, 1024, "en")
    for language, width in (("en", 1024), ("zh", 375)):
        switched(page, language, width)
        if page.url != devices:
            page.goto(devices)
        said = page.locator("section#held #held-encounters-more")
        expect(said).to_contain_text(SAID[language])
        assert "/api/v1/devices/results/ID/assign" in said.inner_text()
        choices = page.locator(f"tr[data-result='{result}'] select[name=encounter_id] option")
        listed = [choices.nth(i).get_attribute("value") for i in range(choices.count())][1:]
        assert listed == [str(v["encounter_id"]) for v in visits[:0:-1]], "the newest two, newest first"
        chosen = page.locator(f"tr[data-result='{result}'] select[name=encounter_id]")
        chosen.focus()  # what a screen reader says at the list: the result, then the sentence
        described = chosen.evaluate(
            "el => el.getAttribute('aria-describedby').split(' ')"
            ".map((id) => document.getElementById(id).innerText).join(' | ')"
        )
        assert "CAP-S1" in described and SAID[language] in described, described
    # every visit listed: no sentence (the devices page opened again on the nurse's English page: no
    # second login, an argon2 hash verified again)
    monkeypatch.setattr(held, "ASSIGN_LIST_MAX", 500)
    switched(page, "en", 1024)  # (which loads the devices page again, the cap raised)
    if page.url != devices:
        page.goto(devices)
    expect(page.locator(f"tr[data-result='{result}'] select[name=encounter_id] option")).to_have_count(4)
    assert page.locator("#held-encounters-more").count() == 0
    assert "held-encounters-more" not in str(
        page.locator(f"tr[data-result='{result}'] select").get_attribute("aria-describedby")
    )
    close_tab(page)
