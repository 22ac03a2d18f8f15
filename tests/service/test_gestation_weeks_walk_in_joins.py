"""A walk-in that sends only the weeks of pregnancy (``context.gestation_weeks``, no ``pregnant``)
joins the patient's visit open today: where that visit records a pregnancy the weeks stand - they
were refused ('... where this request's pregnancy is not recorded'), judged on the request alone
before the visit it joins was looked at, so the nurse's device or integration that sends the weeks
as they are measured could not add them to a pregnant woman's visit. Where the visit records her
as not pregnant, or the walk-in opens a new visit that records no pregnancy, they are still refused
(422, naming context.gestation_weeks and what the visit records), nothing stored.

A real uvicorn server on a real SQLite file, one for the module's two tests (:func:`live`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from referral import store
from referral.schema import connect_to_read
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

PRESSURE = [{"code": "sbp", "value": 150, "unit": "mmHg"}, {"code": "dbp", "value": 95, "unit": "mmHg"}]
VISIT = WALK_IN | {"age_years": 30, "observations": PRESSURE}


#: The nurse's client, the nurse's Authorization header, the folder of the service's log.
Live = tuple[httpx.Client, dict[str, str], Path]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Live]:
    """One service for both tests (each started its own: a copy of the seeded log, create_app,
    uvicorn). They do not interfere: each walks in patients of its own (MRN-JOIN-1; MRN-JOIN-2 and
    MRN-JOIN-3) and looks only at what it stored for them."""
    folder = tmp_path_factory.mktemp("weeks_join")
    nurse = {"Authorization": f"Bearer {copy_seeded(seeded, folder)[Role.nurse]}"}
    with (
        live_server(create_app(make_settings(folder))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as api,
    ):
        yield api, nurse, folder


def patient(mrn: str) -> dict[str, object]:
    return {"mrn": mrn, "name": "Synthetic Patient", "sex": "female"}


def test_weeks_sent_alone_join_a_visit_that_records_the_pregnancy(live: Live) -> None:
    api, nurse, _ = live
    first = VISIT | {"patient": patient("MRN-JOIN-1"), "context": {"pregnant": True}}
    opened = api.post("/api/v1/assessments", json=first, headers=nurse)
    assert opened.status_code == 201, opened.text
    weeks = VISIT | {"patient": patient("MRN-JOIN-1"), "context": {"gestation_weeks": 26}}
    joined = api.post("/api/v1/assessments", json=weeks, headers=nurse)
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert body["visit_already_open"] is True and body["encounter_id"] == opened.json()["encounter_id"]
    (pregnancy,) = [r for r in body["assessment"]["reasons"] if r["rule"] == "pregnancy_hypertension"]
    assert pregnancy["values"]["gestation_weeks"] == 26 and "at 26 weeks" in pregnancy["detail"]
    again = api.post(f"/api/v1/encounters/{body['encounter_id']}/assessments", json={}, headers=nurse)
    (kept,) = [r for r in again.json()["assessment"]["reasons"] if r["rule"] == "pregnancy_hypertension"]
    assert kept["values"]["gestation_weeks"] == 26, "kept on the visit"


def test_weeks_sent_alone_are_refused_where_the_visit_records_no_pregnancy(live: Live) -> None:
    api, nurse, folder = live
    weeks = {"context": {"gestation_weeks": 24}}
    not_pregnant = VISIT | {"patient": patient("MRN-JOIN-2"), "context": {"pregnant": False}}
    assert api.post("/api/v1/assessments", json=not_pregnant, headers=nurse).status_code == 201
    refused = {
        "false": api.post(
            "/api/v1/assessments", json=VISIT | {"patient": patient("MRN-JOIN-2")} | weeks, headers=nurse
        ),
        "new": api.post(
            "/api/v1/assessments", json=VISIT | {"patient": patient("MRN-JOIN-3")} | weeks, headers=nurse
        ),
    }
    said = {
        "false": "a visit that records the patient as not pregnant (pregnant false)",
        "new": "a walk-in that records no pregnancy (pregnant not sent, and the patient has no visit open today)",
    }
    for case, answer in refused.items():
        assert answer.status_code == 422, answer.text
        error = answer.json()
        assert error["fields"] == ["context.gestation_weeks"], error
        assert error["error"] == (
            f"context.gestation_weeks: 24 weeks of pregnancy sent for {said[case]}; send pregnant true"
            " with them, or gestation_weeks null"
        ), error
    assert store.find_patient(connect_to_read(folder / "clinic.db"), "MRN-JOIN-3") is None, "nothing stored"
