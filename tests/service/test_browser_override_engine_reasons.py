"""What the staff pages say once a clinician changed a decision, beyond the patient page's decision
box (6283fd67). Found walking a shift in Chromium:

- the queue's row of an emergency transfer changed to local care listed the engine's emergency
  reasons ("SpO2 ...; NEWS2 ...") as the row's reasons: a nurse scanning the queue read emergency
  reasons under a local-care row. They are now said as the engine's, for its decision, with who
  changed it to what;
- the patient page kept "Recheck in 15 min" of the engine's emergency assessment beside the local
  care now in force, as the new decision's. An override records a decision and a reason, no
  re-check (and the queue shows none): the page now says the re-check is the engine's, for its
  decision;
- the scores table showed nothing in the value of "Blood pressure grade" where there was no blood
  pressure to grade, where glycaemia with nothing to classify shows "-".

Real uvicorn over a real SQLite file, real Chromium, Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.service.chromium import close_tab
from tests.service.conftest import WALK_IN
from tests.service.test_browser import assert_fits, pytestmark
from tests.service.test_browser_desk import Desk, browser, clinic, log_in
from triage.service.auth import Role
from triage.service.i18n import catalogue

__all__ = ["browser", "clinic", "pytestmark"]

#: the bidirectional isolates the pages put around names (a user name, a record number)
ISOLATES = re.compile("[\u2066-\u2069]")

WIDTHS = (("zh", 360), ("en", 1280))


@pytest.fixture(scope="module")
def nurses(browser: object, clinic: Desk) -> Iterator[dict[str, Any]]:
    """The nurse signed in once at each of :data:`WIDTHS` (a context and session each) for the
    module's tests, which each open their own patients' pages on it: each test signed in again in
    both, six logins (an argon2 hash verified each) where two do."""
    pages = {language: log_in(browser, clinic, Role.nurse, width, language) for language, width in WIDTHS}
    yield pages
    for page in pages.values():
        close_tab(page)


def _said(locator: Any) -> str:
    return ISOLATES.sub("", str(locator.inner_text()))


def _recheck(template: str) -> re.Pattern[str]:
    """The re-check sentence of ``template`` with any number of minutes."""
    return re.compile(re.escape(template).replace(re.escape("{when}"), r"\d+ ?(?:分钟|min)"))


def _changed_and_kept(clinic: Desk, mrn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two walk-ins of WALK_IN's readings (emergency transfers), ``mrn``-CHANGED a clinician changed
    to local care and ``mrn``-KEPT nobody changed."""
    made, kept = (
        clinic.api(Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": f"{mrn}-{which}"}})
        for which in ("CHANGED", "KEPT")
    )
    assert made["disposition"] == kept["disposition"] == "emergency_transfer"
    body = {"disposition": "local_care", "reason": "seen in person, SpO2 98 % on recheck"}
    clinic.api(Role.clinician, f"/assessments/{made['id']}/overrides", body)
    return made, kept


def test_a_changed_row_in_the_queue_says_its_reasons_are_the_engine_s(
    clinic: Desk, nurses: dict[str, Any]
) -> None:
    for language, width in WIDTHS:
        changed, kept = _changed_and_kept(clinic, f"ENGINE-REASONS-{width}{language}")
        text = catalogue(language)
        label = text("queue.engine_reasons").format(
            engine=text("disposition.emergency_transfer"),
            disposition=text("disposition.local_care"),
            user=Role.clinician.value,
        )
        nurse = nurses[language]
        nurse.goto(f"{clinic.url}/queue")
        where = f"the queue ({language}, {width} px)"
        row = nurse.locator(f"tr[data-encounter='{changed['encounter_id']}']")
        reasons = _said(row.locator("td.reasons"))
        assert label in reasons, f"{where}: the changed row's reasons are not said as the engine's: {reasons}"
        flags = _said(row.locator("td.reasons .flag").first)
        assert reasons.index(label) < reasons.index(flags), (
            f"{where}: the label follows the reasons: {reasons}"
        )
        assert row.get_attribute("data-disposition") == "local_care"
        # a decision nobody changed lists its reasons as they were
        unchanged = _said(nurse.locator(f"tr[data-encounter='{kept['encounter_id']}'] td.reasons"))
        assert unchanged and label not in unchanged, f"{where}: {unchanged}"
        assert_fits(nurse, where)


def test_the_recheck_after_a_change_is_said_as_the_engine_s(clinic: Desk, nurses: dict[str, Any]) -> None:
    for language, width in WIDTHS:
        changed, kept = _changed_and_kept(clinic, f"ENGINE-RECHECK-{width}{language}")
        text = catalogue(language)
        engine = text("disposition.emergency_transfer")
        nurse = nurses[language]
        where = f"the patient page ({language}, {width} px)"
        nurse.goto(f"{clinic.url}/encounters/{changed['encounter_id']}")
        box = _said(nurse.locator("#decision"))
        engine_s = _recheck(text("patient.recheck_engine").replace("{engine}", engine))
        assert engine_s.search(box), f"{where}: the re-check is not said as the engine's: {box}"
        assert_fits(nurse, where)
        # the engine's decision in force: its re-check as before
        nurse.goto(f"{clinic.url}/encounters/{kept['encounter_id']}")
        box = _said(nurse.locator("#decision"))
        assert _recheck(text("patient.recheck")).search(box), f"{where}, not changed: {box}"
        assert not engine_s.search(box), f"{where}, not changed: {box}"


def test_a_blood_pressure_with_nothing_to_grade_shows_a_dash_as_glycaemia_does(
    clinic: Desk, nurses: dict[str, Any]
) -> None:
    for language, width in WIDTHS:
        # vital signs without a blood pressure or a glucose: nothing to grade, nothing to classify
        made = clinic.api(
            Role.nurse, "/assessments", {**WALK_IN, "patient": {"mrn": f"BP-NONE-{width}{language}"}}
        )
        graded = clinic.api(
            Role.nurse,
            "/assessments",
            {
                **WALK_IN,
                "patient": {"mrn": f"BP-GRADED-{width}{language}"},
                "observations": [
                    {"code": "sbp", "value": 160, "unit": "mm[Hg]"},
                    {"code": "dbp", "value": 95, "unit": "mm[Hg]"},
                ],
            },
        )
        nurse = nurses[language]
        where = f"the scores ({language}, {width} px)"
        nurse.goto(f"{clinic.url}/encounters/{made['encounter_id']}")
        values = {
            name: _said(nurse.locator(f"tr[data-score='{name}'] td.value"))
            for name in ("blood_pressure", "glycaemia")
        }
        assert values == {"blood_pressure": "-", "glycaemia": "-"}, f"{where}: {values}"
        # a graded pressure: its band names the grade, the value stays empty as before
        nurse.goto(f"{clinic.url}/encounters/{graded['encounter_id']}")
        row = nurse.locator("tr[data-score='blood_pressure']")
        assert _said(row.locator("td.value")) == "", f"{where}: {_said(row)}"
        assert _said(row.locator("td").nth(2)) == catalogue(language)("score.blood_pressure.grade_2"), where
