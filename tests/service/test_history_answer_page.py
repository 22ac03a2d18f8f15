"""A history answer on the patient page's "assess now" form that is none of yes, no, not known (a
tampered or stale form: ``current_smoker=maybe``) comes back beside its question, like the acute
symptoms group (test_acute_symptoms_page_form.py): 422, the error the question's description in the
user's language, the question focused, everything else chosen and ticked kept, nothing stored - in
the page's own form with CSRF on a real SQLite file, and once in a real Chromium at 390 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import expect

from tests.service.chromium import close_tab

# the browser tests' marks (skipped, saying how to install it, without chromium) and browser
from tests.service.conftest import Staff
from tests.service.test_acute_symptoms_page import _visit, clinic
from tests.service.test_acute_symptoms_page_form import _latest, _severe
from tests.service.test_browser import assert_fits, browser, pytestmark
from tests.service.test_browser_desk import Desk
from tests.service.test_browser_patient_details import _patient_page
from tests.service.test_page_wording import _language
from triage.service.auth import Role

__all__ = ["browser", "clinic", "pytestmark"]  # the acute-symptoms pages' clinic
SAYS = {
    "en": "“maybe” is not one of the answers: choose yes, no or not known",
    "zh": "“maybe”不是可选的回答：请选择“是”“否”或“不详”",
}


def _select(html: str, question: str) -> str:
    return html.split(f'name="{question}"')[1].split("</select>")[0]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_answer_none_of_yes_no_not_known_comes_back_beside_its_question(
    staff: Staff, language: str
) -> None:
    csrf, page = _severe(staff, f"HIST-BAD-{language}")
    _language(staff, csrf, language)
    kept = {"csrf_token": csrf, "diabetes": "yes"}
    assert staff.client.post(f"{page}/assess", data=kept, follow_redirects=False).status_code == 303
    before = _latest(staff, page)

    sent = {
        "csrf_token": csrf,
        "current_smoker": "maybe",
        "on_antihypertensives": "no",
        "acute_symptoms": ["chest_pain"],
    }
    back = staff.client.post(f"{page}/assess", data=sent)
    assert back.status_code == 422, back.text
    assert 'id="assess-form"' in back.text, "back in the form, not the bare error page"
    smoker = _select(back.text, "current_smoker")
    assert 'aria-invalid="true" autofocus aria-describedby="history-current_smoker-error"' in smoker
    error = back.text.split('id="history-current_smoker-error"')[1].split("</p>")[0]
    assert SAYS[language] in error
    assert back.text.count("autofocus") == 1 and back.text.count('aria-invalid="true"') == 1
    assert '<option value="" selected>' in smoker, "the question shows what was recorded before: nothing"
    assert '<option value="no" selected>' in _select(back.text, "on_antihypertensives"), "the rest is kept"
    assert '<option value="yes" selected>' in _select(back.text, "diabetes"), "and the answers recorded"
    assert 'value="chest_pain" checked' in back.text, "and the symptoms ticked"
    latest = _latest(staff, page)
    assert latest["id"] == before["id"], "nothing assessed"
    assert latest["disposition"] == before["disposition"] != "emergency_transfer", "nothing stored"


def test_a_bad_answer_beside_a_bad_symptoms_group_is_said_beside_both(staff: Staff) -> None:
    csrf, page = _severe(staff, "HIST-BAD-BOTH")
    sent = {"csrf_token": csrf, "pregnant": "perhaps", "acute_symptoms": ["chest_pain", "none"]}
    back = staff.client.post(f"{page}/assess", data=sent)
    assert back.status_code == 422, back.text
    assert 'id="history-pregnant-error"' in back.text and 'id="acute-symptoms-error"' in back.text
    assert back.text.count("autofocus") == 1
    assert (
        'value="chest_pain" checked aria-invalid="true" aria-describedby="acute-symptoms-error" autofocus'
        in back.text
    )
    assert "autofocus" not in _select(back.text, "pregnant"), "the first in the form's order is focused"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_phone_shows_the_refused_answer_beside_its_question_focused(
    browser: Any, clinic: tuple[str, FastAPI, dict[Role, str]], language: str
) -> None:
    url, app, tokens = clinic
    encounter_id = _visit(url, tokens[Role.nurse], f"HIST-PHONE-{language}")
    page = _patient_page(browser, Desk(url, app, tokens), language, encounter_id)
    page.set_viewport_size({"width": 390, "height": 900})
    page.select_option("#history-diabetes", "no")
    # a stale or tampered form: an answer the page does not offer
    page.eval_on_selector("#history-current_smoker", "s => s.add(new Option('maybe', 'maybe', true, true))")
    with page.expect_navigation():
        page.locator("#assess-form button[type=submit]").click()
    smoker = page.locator("#history-current_smoker")
    expect(smoker).to_be_focused()
    expect(smoker).to_have_accessible_description(re.compile(re.escape(SAYS[language])))
    expect(page.locator("#history-current_smoker-error")).to_be_visible()
    expect(page.locator("#history-diabetes")).to_have_value("no")
    expect(smoker).to_have_value("")
    assert page.locator("#decision").count() == 0, "nothing assessed"
    assert_fits(page, f"the history answer sent back ({language}, 390 px)")
    close_tab(page)
