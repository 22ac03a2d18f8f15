"""A score that could not be determined said so twice in the scores table: "not determined (items
missing) (incomplete)" (qSOFA, CRB-65, FINDRISC, CDRS). The band that already says items are missing
is shown alone; a band of a score computed from some items keeps its "(incomplete)" mark. Real
service, real SQLite file, en and zh."""

from __future__ import annotations

import re

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language, _walk_in
from triage.service.auth import Role
from triage.service.i18n import catalogue


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_score_not_determined_says_it_once(staff: Staff, language: str) -> None:
    made = _walk_in(staff, "SCORE-INC-1")  # vital signs only: CDRS and FINDRISC lack their items
    csrf = staff.login(Role.clinician)
    _language(staff, csrf, language)
    page = staff.client.get(f"/encounters/{made['encounter_id']}").text
    text = catalogue(language)
    undetermined, mark = text("score.cdrs.incomplete"), text("patient.incomplete")
    rows = dict(re.findall(r'<tr data-score="(\w+)" role="row">(.*?)</tr>', page, re.S))
    said = [name for name, row in rows.items() if undetermined in row]
    assert "cdrs" in said, rows.keys()
    for name in said:
        assert mark not in rows[name], (name, rows[name])
    assert mark in rows["news2"], rows["news2"]  # a band from the vital signs it has: still marked
