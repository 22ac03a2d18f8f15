"""An idempotency key is the account's that sent it (migration 0027): another account's request with
the same key is a request of its own - stored and answered 201 with its own record, its own retry
answered that record - never the first account's record, and not refused. Two device bridges that
each number their keys from 1 collided before: the second account's request was a 409 ("already
used by another account") however new it was, its walk-in or readings lost unless the bridge made
up another key. Real uvicorn, real accounts on a real SQLite file, every answer checked against
/openapi.json. The module's two tests share one service (:func:`api`).

The two tests' keys do not meet on the shared service: a key is kept per account and per kind of
record (migration 0027: UNIQUE on the key and its account in each table that keeps one), and the
first keys walk-ins, an encounter's assessments, readings and overrides, the second referrals and
encounters; their patients are their own (ACC-1, ACC-8, ACC-9; ACC-2, ACC-3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_api_idempotency_header import Api, _api_on, _walk_in
from triage.service.auth import Role


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Api]:
    """One service for both tests (each started its own: tests/service/test_api_idempotency_header's
    function-scoped ``api``, a copy of the seeded log, create_app, uvicorn, its OpenAPI document)."""
    with _api_on(tmp_path_factory.mktemp("per_account"), seeded) as shared:
        yield shared


def _each_its_own(
    api: Api,
    first: Role,
    second: Role,
    path: str,
    body: object,
    *headers: tuple[str, str],
    created: int = 201,
) -> tuple[Any, Any]:
    """The same keyed request from two accounts: each stored as its own, each retry answered its own."""
    one = api.post(first, path, body, *headers)
    assert one.status_code == 201, one.text
    two = api.post(second, path, body, *headers)
    assert two.status_code == created, two.text
    assert api.post(second, path, body, *headers).json() == two.json()  # the second account's retry
    assert api.post(first, path, body, *headers).json() == one.json()  # the first account's retry
    return one.json(), two.json()


def test_two_accounts_using_one_key_each_get_their_own_record(api: Api) -> None:
    body = _walk_in("ACC-1") | {"idempotency_key": "1"}
    nurse, doctor = _each_its_own(api, Role.nurse, Role.clinician, "/api/v1/assessments", body)
    assert nurse["id"] != doctor["id"] and doctor["visit_already_open"] is True
    encounter = nurse["encounter_id"]
    assert doctor["encounter_id"] == encounter  # the walk-in joined the visit open today
    # another body from the other account under the same key: stored too, not a conflict
    other = api.post(Role.clinician, "/api/v1/assessments", _walk_in("ACC-9") | {"idempotency_key": "2"})
    assert other.status_code == 201, other.text
    again = api.post(Role.nurse, "/api/v1/assessments", _walk_in("ACC-8") | {"idempotency_key": "2"})
    assert again.status_code == 201 and again.json()["id"] != other.json()["id"], again.text
    # the same key on "assess now", readings and an override, by two accounts
    keyed = {"idempotency_key": "3"}
    path = f"/api/v1/encounters/{encounter}/assessments"
    one, two = _each_its_own(api, Role.nurse, Role.clinician, path, keyed)
    assert one["id"] != two["id"]
    readings = [{"code": "heart_rate", "value": 90, "unit": "/min"}]
    path = f"/api/v1/encounters/{encounter}/observations"
    one, two = _each_its_own(api, Role.nurse, Role.integrator, path, readings, ("Idempotency-Key", "4"))
    assert set(one["ids"]).isdisjoint(two["ids"]), (one, two)
    decision = {"disposition": "local_care", "reason": "seen in person", "idempotency_key": "5"}
    path = f"/api/v1/assessments/{nurse['id']}/overrides"
    one, two = _each_its_own(api, Role.clinician, Role.admin, path, decision)
    assert one["id"] != two["id"]


def test_a_referral_s_and_an_encounter_s_key_are_the_account_s_own(api: Api) -> None:
    made = api.post(Role.nurse, "/api/v1/assessments", _walk_in("ACC-2")).json()
    referral = {"assessment_id": made["id"], "to_facility": "county-hospital", "urgency": "emergency"}
    keyed = referral | {"reason": "hypoxia", "idempotency_key": "1", "alongside_open": True}
    one, two = _each_its_own(api, Role.clinician, Role.admin, "/api/v1/referrals", keyed)
    assert one["id"] != two["id"] and two["created_by"] != one["created_by"]
    patient = api.post(Role.nurse, "/api/v1/patients", {"mrn": "ACC-3", "sex": "female"})
    assert patient.status_code in (200, 201), patient.text
    visit = {"mrn": "ACC-3", "age_years": 50, "idempotency_key": "2"}
    # the other account's request is its own: the visit is already open today (200), not a 409
    one, two = _each_its_own(api, Role.nurse, Role.clinician, "/api/v1/encounters", visit, created=200)
    assert two["already_open"] is True and two["id"] == one["id"], two
