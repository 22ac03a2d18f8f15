"""The weeks of pregnancy (``gestation_weeks``, completed weeks 1-45, with pregnant "yes" only) are
asked on the patient page's "assess now" form, next to "Pregnant": the engine reads them (a headache
beside a severe pressure is a sign of pre-eclampsia from 20 weeks), but the page could not record
them. A value that is no whole number of weeks, out of 1-45, or given where the pregnancy is not
"yes" comes back beside the field, in the user's language, marked and focused, with what was typed
kept; a good one is kept on the visit and shown again. "Pregnant: no" ends weeks recorded before.
In a real Chromium on a real uvicorn server over a real SQLite file: English at 768 px, Chinese at
360 px (nothing sideways). One service for the module (``clinic``; each test started one of its
own) and the nurse's one login, in one tab for the module (switched.kept_tab: a tab of its own per
page, a Chromium renderer each), taken to each page's language by the header's switch: each test
opens and reads only visits of its own (WEEKS-en, WEEKS-zh; WEEKS-M), so neither's rows answer the
other's question, in either order."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import CALM, Desk, browser, clinic
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]

LABEL = {"en": "Weeks of pregnancy (completed)", "zh": "孕周（已满周数）"}
NOT_WHOLE = {"en": "whole number from 1 to 45", "zh": "1 至 45 的整数"}
NOT_PREGNANT = {"en": "only for a pregnancy", "zh": "仅在怀孕时记录孕周"}


def _woman(desk: Desk, mrn: str) -> int:
    made = desk.api(
        Role.nurse,
        "/assessments",
        {"patient": {"mrn": mrn, "sex": "female"}, "age_years": 29, "observations": CALM},
    )
    return int(made["encounter_id"])


def _stated(desk: Desk, encounter: int) -> dict[str, Any]:
    db = desk.app.state.runtime.databases.get()
    text = db.execute("SELECT context FROM encounters WHERE id = ?", [encounter]).fetchone()[0]
    return dict(json.loads(text)) if text else {}


def _assess(page: Any) -> None:
    with page.expect_navigation():
        page.locator("#assess-form button[type=submit]").click()


def test_the_weeks_are_asked_next_to_pregnancy_and_a_bad_value_comes_back_beside_them(
    browser: object, clinic: Desk
) -> None:
    desk = clinic
    for language, width in (("en", 768), ("zh", 360)):
        encounter = _woman(desk, f"WEEKS-{language}")
        page: Any = kept_tab(browser, desk, Role.nurse, width)
        page.goto(f"{desk.url}/encounters/{encounter}")
        switched(page, language, width)  # (the other language: the switch loads the page again)
        weeks = page.get_by_label(LABEL[language], exact=True)
        pregnant = page.locator("#history-pregnant")
        order = page.evaluate(
            "() => [...document.querySelectorAll('#assess-form select, #assess-form input[type=text], #assess-form input:not([type])')].map(e => e.name)"
        )
        assert order[order.index("pregnant") + 1] == "gestation_weeks", order
        pregnant.select_option("yes")
        weeks.fill("26.5")
        _assess(page)
        weeks = page.get_by_label(LABEL[language], exact=True)
        error = page.locator(f"#{weeks.get_attribute('aria-describedby').split()[-1]}")
        assert NOT_WHOLE[language] in error.inner_text(), error.inner_text()
        assert weeks.get_attribute("aria-invalid") == "true" and weeks.input_value() == "26.5"
        expect(weeks).to_be_focused()  # given by the page after the load: at its next rendering
        assert "gestation_weeks" not in _stated(desk, encounter), "nothing stored"
        assert_fits(page, f"the weeks refused ({language}, {width} px)")
        weeks.fill("26")
        page.locator("#history-pregnant").select_option("yes")
        _assess(page)
        assert _stated(desk, encounter)["gestation_weeks"] == 26
        assert page.get_by_label(LABEL[language], exact=True).input_value() == "26", "shown again"
        # weeks where the pregnancy is not "yes": beside the weeks; "no" alone ends the weeks
        page.locator("#history-pregnant").select_option("no")
        page.get_by_label(LABEL[language], exact=True).fill("30")
        _assess(page)
        said = page.locator("#history-gestation_weeks-error").inner_text()
        assert NOT_PREGNANT[language] in said, said
        assert _stated(desk, encounter)["gestation_weeks"] == 26
        page.get_by_label(LABEL[language], exact=True).fill("")
        page.locator("#history-pregnant").select_option("no")
        _assess(page)
        assert (
            _stated(desk, encounter)["pregnant"] is False
            and _stated(desk, encounter)["gestation_weeks"] is None
        )


def test_a_man_is_not_asked(browser: object, clinic: Desk) -> None:
    made = clinic.api(
        Role.nurse, "/assessments", {"patient": {"mrn": "WEEKS-M", "sex": "male"}, "observations": CALM}
    )
    page: Any = kept_tab(browser, clinic, Role.nurse, 768)
    page.goto(f"{clinic.url}/encounters/{made['encounter_id']}")
    switched(page, "en", 768)  # (English again after the other test's Chinese: the page loaded again)
    assert (
        page.locator("#history-pregnant").count() == 0 and page.locator("[name=gestation_weeks]").count() == 0
    )
