"""The API takes the weeks of pregnancy (``context.gestation_weeks``, completed weeks 1-45, with
``pregnant`` true): a headache at a severe pressure is a sign of pre-eclampsia from 20 weeks only,
the weeks are kept on the visit like the rest of the history and recorded in the reasons' values,
and weeks outside 1-45, not whole, or without a pregnancy are a 422 naming the field."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, Staff, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

PRESSURE = [{"code": "sbp", "value": 150, "unit": "mmHg"}, {"code": "dbp", "value": 95, "unit": "mmHg"}]
PATIENT = {"mrn": "MRN-GEST-1", "name": "Synthetic Patient", "sex": "female"}
VISIT = WALK_IN | {"patient": PATIENT, "age_years": 16, "observations": PRESSURE}


def test_the_weeks_decide_whether_a_headache_counts_and_stay_on_the_visit(staff: Staff) -> None:
    """At 16, 150/95 with a headache in pregnancy: at 14 weeks an urgent obstetric referral, from
    20 weeks a hypertensive emergency (AAP stage 2 with a sign of severe pre-eclampsia)."""
    nurse = staff.bearer(Role.nurse)
    context = {"pregnant": True, "gestation_weeks": 14, "acute_symptoms": ["headache"]}
    first = staff.client.post("/api/v1/assessments", json=VISIT | {"context": context}, headers=nurse)
    assert first.status_code == 201, first.text
    assert first.json()["assessment"]["disposition"] == "urgent_referral"
    encounter_id = first.json()["encounter_id"]

    later = {"context": {"gestation_weeks": 21}}
    again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json=later, headers=nurse)
    assert again.status_code == 201, again.text
    assessment = again.json()["assessment"]
    assert assessment["disposition"] == "emergency_transfer"
    (emergency,) = [r for r in assessment["reasons"] if r["rule"] == "hypertensive_emergency"]
    assert emergency["values"]["gestation_weeks"] == 21 and "at 21 weeks" in emergency["detail"]
    kept = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assert kept.json()["assessment"]["disposition"] == "emergency_transfer", "kept on the visit"


@pytest.mark.parametrize(
    ("context", "said"),
    [
        ({"pregnant": True, "gestation_weeks": 46}, "less than or equal to 45"),
        ({"pregnant": True, "gestation_weeks": 0}, "greater than or equal to 1"),
        ({"pregnant": True, "gestation_weeks": 20.5}, "integer"),
        ({"pregnant": True, "gestation_weeks": "20"}, "number"),
        (
            {"pregnant": False, "gestation_weeks": 24},
            "context: gestation_weeks given with pregnant false; set pregnant to true, or gestation_weeks to null",
        ),
        (
            {"pregnant": None, "gestation_weeks": 24},
            "context: gestation_weeks given with pregnant null; set pregnant to true, or gestation_weeks to null",
        ),
    ],
)
def test_weeks_that_cannot_be_are_refused_naming_the_field(
    staff: Staff, context: dict[str, object], said: str
) -> None:
    body = {**VISIT, "patient": PATIENT | {"mrn": "MRN-GEST-2"}, "context": context}
    refused = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert refused.status_code == 422, refused.text
    assert "gestation_weeks" in refused.text and said in refused.text, refused.text
    assert "patient." not in refused.json()["error"], "the walk-in's patient object has no such field"


def test_a_pregnancy_answered_no_later_in_the_visit_ends_its_weeks(staff: Staff) -> None:
    """Through the API the weeks stated earlier were kept beside 'pregnant: false' and every later
    assessment of the visit was refused (422 'gestation_weeks ... given where pregnant is false')
    unless the client also sent 'gestation_weeks: null' (the page's form ends them itself); now a
    pregnancy answered false or not known ends them, audited as a change."""
    nurse = staff.bearer(Role.nurse)
    context = {"pregnant": True, "gestation_weeks": 24}
    body = VISIT | {"patient": PATIENT | {"mrn": "MRN-GEST-END"}, "context": context}
    first = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    assert first.status_code == 201, first.text
    encounter_id = first.json()["encounter_id"]
    for pregnant in (False, None):
        ended = {"context": {"pregnant": pregnant}}
        again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json=ended, headers=nurse)
        assert again.status_code == 201, again.text
        later = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
        assert later.status_code == 201, later.text
        reasons = later.json()["assessment"]["reasons"]
        assert not [r for r in reasons if r["rule"].startswith("pregnancy_")], reasons


def test_weeks_with_no_pregnancy_recorded_for_the_visit_name_the_field_sent(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """Weeks sent alone (no ``pregnant`` in the body) where the visit records no pregnancy - a
    walk-in, a visit that never stated one, one where it was answered false - were refused naming
    ``patient.gestation_weeks, patient.pregnant``, the engine's names, which on a walk-in point at
    the body's patient object (mrn, name, sex). The client sent ``context.gestation_weeks``."""
    nurse = {"Authorization": f"Bearer {copy_seeded(seeded, tmp_path)[Role.nurse]}"}
    weeks = {"context": {"gestation_weeks": 24}}
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as api,
    ):
        refused = [api.post("/api/v1/assessments", json=VISIT | weeks, headers=nurse)]
        body = VISIT | {"patient": PATIENT | {"mrn": "MRN-GEST-3"}}
        first = api.post("/api/v1/assessments", json=body, headers=nurse)
        assert first.status_code == 201, first.text
        encounter = f"/api/v1/encounters/{first.json()['encounter_id']}/assessments"
        refused.append(api.post(encounter, json=weeks, headers=nurse))
        assert api.post(encounter, json={"context": {"pregnant": False}}, headers=nurse).status_code == 201
        refused.append(api.post(encounter, json=weeks, headers=nurse))
    records = (  # a walk-in that opens the visit: its own context only
        "a walk-in that records no pregnancy (pregnant not sent, and the patient has no visit open today)",
        "a visit that records no pregnancy (pregnant not known or never stated)",
        "a visit that records the patient as not pregnant (pregnant false)",
    )
    for answer, where in zip(refused, records, strict=True):
        assert answer.status_code == 422, answer.text
        error = answer.json()
        assert error["fields"] == ["context.gestation_weeks"], error
        assert error["error"] == (
            f"context.gestation_weeks: 24 weeks of pregnancy sent for {where}; send pregnant true"
            " with them, or gestation_weeks null"
        ), error
