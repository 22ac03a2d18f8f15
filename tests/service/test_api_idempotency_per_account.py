"""An idempotency key belongs to the account that sent it: another account's request with the
same key is not answered the first account's record (it was: a doctor reusing a nurse's key with the
same body got the nurse's assessment back, 201 ``created_by`` the nurse), and its 409 names no
record of the other account (it named the id). Real uvicorn, real accounts on a real SQLite file."""

from __future__ import annotations

from tests.service.test_api_idempotency_header import Api, _walk_in, api  # noqa: F401
from triage.service.auth import Role


def _refused_naming_nothing(answer_status: int, body: dict[str, object], record_id: object) -> None:
    assert answer_status == 409, body
    assert body["code"] == "idempotency_conflict", body
    assert f"id {record_id}" not in str(body), body
    assert body["error"].endswith("was already used by another account; use a new key for a new request"), (
        body
    )


def test_another_accounts_key_replays_nothing_and_names_no_record(api: Api) -> None:  # noqa: F811
    body = _walk_in("ACC-1") | {"idempotency_key": "shared-key-1"}
    nurse = api.post(Role.nurse, "/api/v1/assessments", body)
    assert nurse.status_code == 201, nurse.text
    first = nurse.json()
    # the same body from another account: not the nurse's assessment replayed
    doctor = api.post(Role.clinician, "/api/v1/assessments", body)
    _refused_naming_nothing(doctor.status_code, doctor.json(), first["id"])
    # another body from another account: the 409 does not name the nurse's record
    other = api.post(Role.clinician, "/api/v1/assessments", body | {"age_years": 71})
    _refused_naming_nothing(other.status_code, other.json(), first["id"])
    # the nurse's own retry is still answered her assessment
    again = api.post(Role.nurse, "/api/v1/assessments", body)
    assert again.status_code == 201 and again.json()["id"] == first["id"], again.text
    # the encounter's assessment, the readings and a referral keyed by one account, reused by another
    encounter = first["encounter_id"]
    keyed = {"idempotency_key": "shared-key-2"}
    path = f"/api/v1/encounters/{encounter}/assessments"
    stored = api.post(Role.nurse, path, keyed)
    assert stored.status_code == 201, stored.text
    reused = api.post(Role.clinician, path, keyed)
    _refused_naming_nothing(reused.status_code, reused.json(), stored.json()["id"])
    readings = [{"code": "heart_rate", "value": 90, "unit": "/min"}]
    path = f"/api/v1/encounters/{encounter}/observations"
    kept = api.post(Role.nurse, path, readings, ("Idempotency-Key", "shared-key-3"))
    assert kept.status_code == 201, kept.text
    reused = api.post(Role.clinician, path, readings, ("Idempotency-Key", "shared-key-3"))
    _refused_naming_nothing(reused.status_code, reused.json(), "")
    assert len(api.get(f"/api/v1/encounters/{encounter}").json()["observations"]) == 4


def test_a_referral_s_and_an_encounter_s_key_are_the_account_s_own(api: Api) -> None:  # noqa: F811
    made = api.post(Role.nurse, "/api/v1/assessments", _walk_in("ACC-2")).json()
    referral = {"assessment_id": made["id"], "to_facility": "county-hospital", "urgency": "emergency"}
    keyed = referral | {"reason": "hypoxia", "idempotency_key": "shared-key-4"}
    stored = api.post(Role.clinician, "/api/v1/referrals", keyed)
    assert stored.status_code == 201, stored.text
    reused = api.post(Role.admin, "/api/v1/referrals", keyed)
    _refused_naming_nothing(reused.status_code, reused.json(), stored.json()["id"])
    patient = api.post(Role.nurse, "/api/v1/patients", {"mrn": "ACC-3", "sex": "female"})
    assert patient.status_code in (200, 201), patient.text
    visit = {"mrn": "ACC-3", "age_years": 50, "idempotency_key": "shared-key-5"}
    opened = api.post(Role.nurse, "/api/v1/encounters", visit)
    assert opened.status_code == 201, opened.text
    reused = api.post(Role.clinician, "/api/v1/encounters", visit)
    _refused_naming_nothing(reused.status_code, reused.json(), opened.json()["id"])
