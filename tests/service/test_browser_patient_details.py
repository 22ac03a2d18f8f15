"""Correcting a patient's name and sex on the patient page in a real Chromium, on a real uvicorn
server over a real SQLite file, in English and Chinese at tablet width: the form needs a reason,
the page then shows the corrected name and the correction's history (old and new value, who,
why), and the page still fits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

# the browser tests' marks (skipped, saying how to install it, without chromium) and browser
from tests.service.conftest import PASSWORD, copy_seeded, live_server, make_settings
from tests.service.test_browser import assert_fits, browser, pytestmark
from triage.service import create_app
from triage.service.auth import Role

__all__ = ["browser", "pytestmark"]


@pytest.fixture
def clinic(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[tuple[str, FastAPI, dict[Role, str]]]:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app) as url:
        yield url, app, tokens


def _visit(url: str, token: str, mrn: str, name: str, sex: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{url}/api/v1/patients", json={"mrn": mrn, "name": name, "sex": sex}, headers=headers)
    assert made.status_code == 201, made.text
    opened = httpx.post(f"{url}/api/v1/encounters", json={"mrn": mrn}, headers=headers)
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


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
    clinic: tuple[str, FastAPI, dict[Role, str]],
    language: str,
    typo: str,
    right: str,
    says: str,
) -> None:
    url, app, tokens = clinic
    encounter_id = _visit(url, tokens[Role.nurse], f"BR-{language}", typo, "male")
    app.state.runtime.accounts.set_language("nurse", language)
    page = browser.new_page(viewport={"width": 768, "height": 900})
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "nurse")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))
    page.goto(f"{url}/encounters/{encounter_id}")
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
    page.close()
