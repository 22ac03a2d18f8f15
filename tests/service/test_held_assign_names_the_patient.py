"""A held device result's Assign form names each of today's visits by its patient - name, record
number, sex and age, then the visit and its time - in both languages, the name escaped. The
choices said only "Encounter #12 · DEMO-0002 · 09:14": a nurse picking among them had the record
number to tell two patients apart, one slip from giving a glucose to the wrong patient. A real
service over a real SQLite file (in-process client), the page as a nurse gets it."""

from __future__ import annotations

import html
import re

from tests.service.conftest import Staff
from tests.service.test_held_results import lab_message, lab_result
from triage.service.auth import Role


def _visit(staff: Staff, patient: dict[str, object], age_years: int | None) -> int:
    headers = staff.bearer(Role.nurse)
    made = staff.client.post("/api/v1/patients", json=patient, headers=headers)
    assert made.status_code == 201, made.text
    opened = staff.client.post(
        "/api/v1/encounters", json={"mrn": patient["mrn"], "age_years": age_years}, headers=headers
    )
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


def _choices(page: str, result_id: int) -> dict[str, str]:
    """The Assign form's choices of the held result's row: value -> the text shown (unescaped)."""
    row = page.split(f'data-result="{result_id}"')[1].split("</tr>")[0]
    select = row.split('name="encounter_id"')[1].split("</select>")[0]
    assert "<span" not in select, "an option holds text only"
    return {
        value: html.unescape(text)
        for value, text in re.findall(r'<option value="(\d+)">([^<]*)</option>', select)
    }


def test_each_visit_to_assign_a_held_result_to_names_its_patient(staff: Staff) -> None:
    named = "Wang <b>Fang</b> & O'Neil"  # markup in a name is shown as typed, never as markup
    wang = _visit(staff, {"mrn": "HELD-1", "name": named, "sex": "female"}, 67)
    li = _visit(staff, {"mrn": "HELD-2", "name": "李明", "sex": "male"}, 8)
    nameless = _visit(staff, {"mrn": "HELD-3"}, None)
    (result_id,) = lab_message(staff, lab_result("GLU", code="glucose_random", sample="S-NAMED"))
    staff.login(Role.nurse)
    page = staff.client.get("/devices").text
    assert "<b>Fang</b>" not in page and "Wang &lt;b&gt;Fang&lt;/b&gt; &amp; O&#39;Neil" in page
    choices = _choices(page, result_id)  # each name isolated, U+2068 ... U+2069 (test_api_name_bidi)
    assert set(choices) == {str(wang), str(li), str(nameless)}
    assert re.fullmatch(
        rf"\u2068{re.escape(named)}\u2069 · \u2068HELD-1\u2069 · Female · 67 years · Encounter #{wang} · \d\d:\d\d",
        choices[str(wang)],
    ), choices
    assert re.fullmatch(
        rf"\u2068李明\u2069 · \u2068HELD-2\u2069 · Male · 8 years · Encounter #{li} · \d\d:\d\d",
        choices[str(li)],
    )
    # nothing recorded but the record number: nothing made up, no empty separators
    assert re.fullmatch(rf"\u2068HELD-3\u2069 · Encounter #{nameless} · \d\d:\d\d", choices[str(nameless)])

    switched = staff.client.post(
        "/language", data={"csrf_token": staff.login(Role.nurse), "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    zh = _choices(staff.client.get("/devices").text, result_id)
    assert re.fullmatch(
        rf"\u2068{re.escape(named)}\u2069 · \u2068HELD-1\u2069 · 女 · 67 岁 · 就诊 #{wang} · \d\d:\d\d",
        zh[str(wang)],
    )
    assert re.fullmatch(
        rf"\u2068李明\u2069 · \u2068HELD-2\u2069 · 男 · 8 岁 · 就诊 #{li} · \d\d:\d\d", zh[str(li)]
    )
