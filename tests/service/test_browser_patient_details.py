"""Correcting a patient's name, sex and birth date on the patient page in a real Chromium, on a real
uvicorn server over a real SQLite file, in English and Chinese at tablet width: the form needs a
reason, the page then shows the corrected details and the correction's history (old and new value,
who, why) - a birth date corrected after the decision is said beside it - and the page still fits.
One service for the module (``clinic``; each of the four cases started one of its own) and the
nurse's one login, in one tab for the module (switched.kept_tab: a tab of its own per case, a
Chromium renderer each), taken to each case's language by the header's switch: each case
stores a patient of its own (BR-<language>, BD-<language>) and reads only that patient's page and
corrections, so no case's rows answer another's question, in any order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

# the browser tests' marks (skipped, saying how to install it, without chromium) and browser
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.switched import kept_tab, switched
from tests.service.test_browser import assert_fits, browser, pytestmark
from tests.service.test_browser_desk import Desk
from triage.service import create_app
from triage.service.auth import Role

__all__ = ["browser", "pytestmark"]
OBSERVED = WALK_IN["observations"]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("details")
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with live_server(app) as url:
        yield Desk(url, app, tokens)


def _visit(url: str, token: str, mrn: str, name: str, sex: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{url}/api/v1/patients",
        json={"mrn": mrn, "name": name, "sex": sex},
        headers=headers,
        timeout=HTTP_TIMEOUT_S,
    )
    assert made.status_code == 201, made.text
    opened = httpx.post(
        f"{url}/api/v1/encounters", json={"mrn": mrn}, headers=headers, timeout=HTTP_TIMEOUT_S
    )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


def _patient_page(browser: Any, desk: Desk, language: str, encounter_id: int) -> Any:
    """A tablet (768 px) signed in as the nurse in ``language``, on the visit's patient page."""
    page: Any = kept_tab(browser, desk, Role.nurse, 768)
    page.goto(f"{desk.url}/encounters/{encounter_id}")
    switched(page, language, 768)  # (the other language: the switch loads the patient's page again)
    return page


@pytest.mark.parametrize(
    ("language", "typo", "right", "says"),
    [
        (
            "en",
            "Wang Fnag",
            "Wang Fang",
            "name Wang Fnag → Wang Fang; sex Male → Female (reason: typed wrong at the desk)",
        ),
        ("zh", "张山", "张三", "姓名 张山 → 张三；性别 男 → 女（原因：typed wrong at the desk）"),
    ],
)
def test_a_nurse_corrects_the_name_and_sex_on_the_patient_page(
    browser: Any,
    clinic: Desk,
    language: str,
    typo: str,
    right: str,
    says: str,
) -> None:
    url, tokens = clinic.url, clinic.tokens
    encounter_id = _visit(url, tokens[Role.nurse], f"BR-{language}", typo, "male")
    page = _patient_page(browser, clinic, language, encounter_id)
    assert page.locator("#no-patient-corrections").count() == 1
    form = page.locator("#patient-form")
    assert form.locator("input[name=name]").input_value() == typo, "the form starts from what is stored"
    form.locator("input[name=name]").fill(right)
    form.locator("select[name=sex]").select_option("female")
    form.locator("button[type=submit]").click()
    # the reason is required: the browser does not send the form without it
    assert form.locator("input[name=reason]:invalid").count() == 1
    assert page.url.endswith(f"/encounters/{encounter_id}")
    form.locator("input[name=reason]").fill("typed wrong at the desk")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#patient-corrections")
    assert right in page.locator("h1").inner_text() and typo not in page.locator("h1").inner_text()
    history = page.locator("#patient-corrections li")
    assert history.count() == 1
    assert says in history.first.inner_text() and "nurse" in history.first.inner_text()
    assert page.locator("#patient-form input[name=name]").input_value() == right
    assert_fits(page, f"patient page after a correction ({language}, 768 px)")


def _born(years: int) -> str:
    return date(date.today().year - years, 3 if date.today().month > 3 else 4, 2).isoformat()


@pytest.mark.parametrize(
    ("language", "history", "notice"),
    [
        (
            "en",
            "birth date {typo} → {right} (reason: year typed wrong)",
            "from the birth date recorded as {typo}",
        ),
        ("zh", "出生日期 {typo} → {right}（原因：year typed wrong）", "按出生日期 {typo} 计算的年龄"),
    ],
)
def test_a_nurse_corrects_the_birth_date_and_the_decision_says_its_age_was_the_old_one(
    browser: Any,
    clinic: Desk,
    language: str,
    history: str,
    notice: str,
) -> None:
    url, tokens = clinic.url, clinic.tokens
    typo, right = _born(70), _born(61)
    walked = httpx.post(
        f"{url}/api/v1/assessments",
        json={
            "patient": {"mrn": f"BD-{language}", "sex": "male", "birth_date": typo},
            "observations": OBSERVED,
        },
        headers={"Authorization": f"Bearer {tokens[Role.nurse]}"},
        timeout=HTTP_TIMEOUT_S,
    )
    assert walked.status_code == 201, walked.text
    encounter_id = walked.json()["encounter_id"]
    page = _patient_page(browser, clinic, language, encounter_id)
    form = page.locator("#patient-form")
    born = form.locator("input[name=birth_date]")
    assert born.get_attribute("type") == "date" and born.input_value() == typo, "starts from what is stored"
    assert page.locator("#details-corrected").count() == 0
    # emptied: the service refuses it beside the field, what was typed kept
    born.fill("")
    form.locator("input[name=reason]").fill("year typed wrong")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#patient-birth-date-error")
    assert page.locator("#patient-form input[name=reason]").input_value() == "year typed wrong"
    assert page.locator("#patient-form input[name=birth_date]").input_value() == ""
    assert page.locator("#patient-corrections").count() == 0, "nothing stored"
    page.locator("#patient-form input[name=birth_date]").fill(right)
    page.locator("#patient-form button[type=submit]").click()
    page.wait_for_selector("#patient-corrections")
    assert (
        history.format(typo=typo, right=right) in page.locator("#patient-corrections li").first.inner_text()
    )
    assert page.locator("#patient-form input[name=birth_date]").input_value() == right
    said = page.locator("#decision #details-corrected")
    assert said.count() == 1 and notice.format(typo=typo) in said.inner_text(), said.inner_text()
    assert said.locator("a[href='#assess-form']").count() == 1
    assert_fits(page, f"patient page after a birth date correction ({language}, 768 px)")
