"""A nurse records a severe blood pressure and the acute symptoms on the patient page, in a real
Chromium on a real uvicorn server over a real SQLite file, in English and Chinese, on a desktop
(1280 px) and a phone (390 px): 185/100 typed in the vital signs, the page asks for the symptoms
(the engine's missing input); chest pain ticked with the keyboard makes it an emergency transfer
with its reason, and the record says who recorded it; "none of these" ticked beside a symptom comes
back beside the group, announced (the error is the boxes' description, the first box focused) with
what was ticked kept; the symptom cleared ("none of these" alone, sent as []) makes it an urgent
referral. A patient asked first with "none of these" is an urgent referral. The form's other
refusals: test_acute_symptoms_page_form.py."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import expect

# the browser tests' marks (skipped, saying how to install it, without chromium) and browser
from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from tests.service.test_browser import assert_fits, browser, pytestmark
from tests.service.test_browser_desk import sign_in
from triage.service import create_app
from triage.service.auth import Role

__all__ = ["browser", "pytestmark"]
_MRNS = itertools.count(1)
SAYS = {
    "en": {
        "emergency": "EMERGENCY TRANSFER",
        "urgent": "URGENT REFERRAL",
        "asks": "acute symptoms were not asked: ask about chest pain, breathlessness",
        "reason": "with chest pain: hypertensive emergency",
        "recorded": "Recorded {time} by nurse: chest pain",
        "none": "by nurse: asked, none of these",
        "both": "Tick either “Asked - none of these” or the symptoms the patient has, not both.",
        "legend": "Acute symptoms now",
    },
    "zh": {
        "emergency": "紧急转运",
        "urgent": "紧急转诊",
        "asks": "尚未询问急性症状：请询问有无胸痛、呼吸困难",
        "reason": "伴胸痛：高血压急症",
        "recorded": "{time} 由 nurse 记录：胸痛",
        "none": "由 nurse 记录：已询问，以上均无",
        "both": "请勾选“已询问，以上均无”或患者目前有的症状，二者不能同时勾选。",
        "legend": "目前的急性症状",
    },
}


@pytest.fixture(scope="module")
def clinic(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[tuple[str, FastAPI, dict[Role, str]]]:
    folder = tmp_path_factory.mktemp("acute-symptoms")
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with live_server(app) as url:
        yield url, app, tokens


def _visit(url: str, token: str, mrn: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{url}/api/v1/patients", json={"mrn": mrn, "sex": "female"}, headers=headers, timeout=HTTP_TIMEOUT_S
    )
    assert made.status_code == 201, made.text
    opened = httpx.post(
        f"{url}/api/v1/encounters",
        json={"mrn": mrn, "age_years": 63},
        headers=headers,
        timeout=HTTP_TIMEOUT_S,
    )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


def _walk_in(url: str, token: str, mrn: str) -> int:
    """A walk-in of 185/100 (a woman of 63, nothing else read) stored through the API: its encounter."""
    pressure = [{"code": "sbp", "value": 185, "unit": "mmHg"}, {"code": "dbp", "value": 100, "unit": "mmHg"}]
    body = {"patient": {"mrn": mrn, "sex": "female"}, "age_years": 63, "observations": pressure}
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{url}/api/v1/assessments", json=body, headers=headers, timeout=HTTP_TIMEOUT_S)
    assert made.status_code == 201, made.text
    return int(made.json()["encounter_id"])


@dataclass(frozen=True)
class Nurse:
    """The nurse signed in on a new visit's patient page at 185/100 (typed in its vital signs, or stored
    through the API: :func:`nurse_at_185_100`)."""

    page: Any
    encounter_id: int
    says: dict[str, str]
    where: str  # the language and the width, for a failure's message


@pytest.fixture(scope="module")
def signed_in(browser: Any, clinic: tuple[str, FastAPI, dict[Role, str]]) -> Callable[[str], Any]:
    """The tab in which the nurse signed in with her pages in ``language`` - once per language for
    the module (each test signed in anew, a real argon2id check and two page loads each, eight
    times): each case loads its own visit's page in it. One tab per language, not one per case: a
    new tab is a new Chromium renderer process (about a second of CPU), and a case's page is as a
    new tab's would be - its drafts in the tab's sessionStorage are kept per page and form address
    (app.js), so none of another case's visit is on its own; its screen size and media are set anew.
    Closed with the module's browser."""
    url, app, _tokens = clinic
    tabs: dict[str, Any] = {}

    def tab(language: str) -> Any:
        if language not in tabs:
            app.state.runtime.accounts.set_language("nurse", language)
            tabs[language] = browser.new_context(viewport={"width": 768, "height": 900}).new_page()
            tabs[language].goto(f"{url}/login")
            sign_in(tabs[language], Role.nurse)
            tabs[language].wait_for_url(re.compile(r".*/queue$"))
        return tabs[language]

    return tab


#: each case's screen: its language and width
SCREENS = dict(
    params=[(language, width) for language in SAYS for width in (1280, 390)],
    ids=lambda screen: f"{screen[0]}-{screen[1]}px",
)
#: the module's service (its URL, app and the roles' API tokens), and :func:`signed_in`'s tabs
Clinic = tuple[str, FastAPI, dict[Role, str]]
SignedIn = Callable[[str], Any]


def _on_the_page(
    request: pytest.FixtureRequest, clinic: Clinic, signed_in: SignedIn, typed: bool
) -> Iterator[Nurse]:
    """:class:`Nurse` at ``request.param``'s screen: 185/100 typed in the page's vital signs
    (``typed``), or a walk-in of 185/100 stored through the API, its page opened."""
    language, width = request.param
    url, app, tokens = clinic
    encounter_id = (_visit if typed else _walk_in)(url, tokens[Role.nurse], f"HTN-{next(_MRNS)}")
    app.state.runtime.accounts.set_language("nurse", language)  # as each test's sign-in did
    page = signed_in(language)
    page.emulate_media(media="screen")  # (as a new tab is)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{url}/encounters/{encounter_id}")
    if typed:
        page.fill("#vitals-sbp", "185")
        page.fill("#vitals-dbp", "100")
        page.locator("#vitals-form button[type=submit]").click()
    page.wait_for_selector("#decision")
    yield Nurse(page, encounter_id, SAYS[language], f"{language}, {width} px")


@pytest.fixture(**SCREENS)
def nurse(request: pytest.FixtureRequest, clinic: Clinic, signed_in: SignedIn) -> Iterator[Nurse]:
    """The nurse on a new visit's page, 185/100 typed in its vital signs."""
    yield from _on_the_page(request, clinic, signed_in, typed=True)


@pytest.fixture(**SCREENS)
def nurse_at_185_100(request: pytest.FixtureRequest, clinic: Clinic, signed_in: SignedIn) -> Iterator[Nurse]:
    """The nurse on the page of a walk-in stored through the API at 185/100 (the same visit's state
    as :func:`nurse`'s: a woman of 63, the pressure read, the acute symptoms not asked). For a test
    of what is ticked after it: the typing of the pressure on the page, its form sent and the page
    it leads to, is :func:`nurse`'s test's, on the same four screens."""
    yield from _on_the_page(request, clinic, signed_in, typed=False)


def _assess(page: Any) -> None:
    """ "Assess now" sent; back when the page it leads to (or the form sent back) has loaded."""
    with page.expect_navigation():
        page.locator("#assess-form button[type=submit]").click()


def _box(page: Any, value: str) -> Any:
    return page.locator(f"#acute-symptoms input[value={value}]")


def test_a_nurse_records_chest_pain_beside_185_100_then_clears_it(
    nurse: Nurse, clinic: tuple[str, FastAPI, dict[Role, str]]
) -> None:
    page, says = nurse.page, nurse.says
    decision = page.locator("#decision")
    assert says["urgent"] in decision.locator("strong").first.inner_text()
    asks = page.locator("#symptoms-ask")
    expect(asks).to_be_visible()
    assert says["asks"] in asks.inner_text(), "the missing input is asked for where the decision is"
    group = page.get_by_role("group", name=says["legend"])
    expect(group).to_be_visible()
    assert_fits(page, f"the patient page asking for acute symptoms ({nurse.where})")

    # the way from the question to the boxes, then the keyboard alone: Tab to the first, Space ticks it
    asks.locator("a").click()
    page.keyboard.press("Tab")
    expect(_box(page, "chest_pain")).to_be_focused()
    page.keyboard.press("Space")
    expect(_box(page, "chest_pain")).to_be_checked()
    _assess(page)
    assert says["emergency"] in decision.locator("strong").first.inner_text()
    reason = page.locator("#reasons li", has=page.locator("[data-rule=hypertensive_emergency]"))
    expect(reason).to_be_visible()
    assert says["reason"] in reason.inner_text() and "185/100" in reason.inner_text()
    assert page.locator("#symptoms-ask").count() == 0, "asked: no longer asked for"
    recorded = page.locator("#symptoms-recorded li")
    expect(recorded).to_have_count(1)
    time = re.search(r"\d\d:\d\d:\d\d", recorded.inner_text())
    assert time is not None and says["recorded"].format(time=time[0]) == recorded.inner_text()
    expect(_box(page, "chest_pain")).to_be_checked()
    assert_fits(page, f"the patient page with a hypertensive emergency ({nurse.where})")

    # "none of these" beside the symptom: back beside the group, announced, what was ticked kept
    _box(page, "none").check()
    _assess(page)
    error = page.locator("#acute-symptoms-error")
    expect(error).to_be_visible()
    assert says["both"] in error.inner_text()
    expect(_box(page, "chest_pain")).to_be_focused()
    expect(_box(page, "chest_pain")).to_have_accessible_description(re.compile(re.escape(says["both"])))
    expect(_box(page, "chest_pain")).to_be_checked()
    expect(_box(page, "none")).to_be_checked()
    assert says["emergency"] in decision.locator("strong").first.inner_text(), "nothing changed"
    assert_fits(page, f"the symptoms sent back ({nurse.where})")

    # the chest pain gone: unticked with the keyboard (the focus is on it), "none of these" left
    page.keyboard.press("Space")
    expect(_box(page, "chest_pain")).not_to_be_checked()
    _assess(page)
    assert says["urgent"] in decision.locator("strong").first.inner_text()
    assert page.locator("[data-rule=hypertensive_emergency]").count() == 0
    expect(recorded).to_have_count(2)
    assert says["none"] in recorded.nth(1).inner_text()
    _url, app, _tokens = clinic
    stated = (
        app.state.runtime.databases.get()
        .execute("SELECT context FROM encounters WHERE id = ?", [nurse.encounter_id])
        .fetchone()[0]
    )
    assert '"acute_symptoms":[]' in stated, "the symptom cleared is the list [], not 'not asked'"


def test_asked_none_of_these_beside_185_100_is_an_urgent_referral(nurse_at_185_100: Nurse) -> None:
    nurse = nurse_at_185_100
    page, says = nurse.page, nurse.says
    assert says["urgent"] in page.locator("#decision strong").first.inner_text(), "185/100, not asked"
    expect(page.locator("#symptoms-ask")).to_be_visible()
    _box(page, "none").check()
    _assess(page)
    assert says["urgent"] in page.locator("#decision strong").first.inner_text()
    assert page.locator("[data-rule=hypertensive_emergency]").count() == 0
    assert page.locator("#symptoms-ask").count() == 0, "asked, none: no longer asked for"
    assert says["none"] in page.locator("#symptoms-recorded li").inner_text()
    expect(_box(page, "none")).to_be_checked()
    assert_fits(page, f"the patient page after 'none of these' ({nurse.where})")
