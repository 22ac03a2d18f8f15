"""The API as an integrator's client sees it: what the OpenAPI document promises (the error shape on
every refusal, the token, the dispositions and statuses a response can carry) is what the
endpoints answer, and a refusal names the field the client must change."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import WALK_IN, Staff
from tests.service.test_api_facility_put import FACILITY
from triage.assessment import Disposition
from triage.service.auth import Role

ERROR_SHAPE = "#/components/schemas/ErrorOut"


def refused(response: httpx.Response, status: int = 422) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["status"] == status, body
    return str(body["error"])


def patients(staff: Staff) -> list[tuple[object, ...]]:
    db = staff.app.state.runtime.databases.get()
    return list(db.conn.execute("SELECT id, mrn, birth_date FROM patients ORDER BY id").fetchall())


def test_a_date_sent_as_a_number_in_quotes_is_422_not_a_day_in_1970(staff: Staff) -> None:
    # pydantic read "0" and "86400" as Unix times: a birth on 1970-01-01 / 1970-01-02
    nurse, admin = staff.bearer(Role.nurse), staff.bearer(Role.admin)
    for text in ("0", "86400", "1733356800", "2026-02-30", "1956-03-14T00:00:00", ""):
        registered = staff.client.post(
            "/api/v1/patients", json={"mrn": "D-1", "birth_date": text}, headers=nurse
        )
        error = refused(registered)
        assert error.startswith("birth_date: give the date as ISO 8601 text, e.g. 1956-03-14 (got "), error
        walk_in = copy.deepcopy(WALK_IN) | {"patient": {"mrn": "D-2", "birth_date": text}}
        error = refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
        assert error.startswith("patient.birth_date: give the date as ISO 8601 text"), error
    assert patients(staff) == []

    fine = staff.client.post(
        "/api/v1/patients", json={"mrn": "D-1", "birth_date": "1956-03-14"}, headers=nurse
    )
    assert fine.status_code == 201 and fine.json()["birth_date"] == "1956-03-14", fine.text
    patient_id = fine.json()["id"]
    correction = {"birth_date": "86400", "reason": "typed wrong"}
    error = refused(
        staff.client.post(f"/api/v1/patients/{patient_id}/corrections", json=correction, headers=nurse)
    )
    assert error.startswith("birth_date: give the date as ISO 8601 text"), error
    assert patients(staff) == [(patient_id, "D-1", "1956-03-14")]

    facility = FACILITY | {"id": "f-dates", "name": "Dates Clinic"}
    url = "/api/v1/facilities/f-dates"
    for text in ("86400", "2026-02-30"):
        error = refused(staff.client.put(url, json=facility | {"digital_triage_start": text}, headers=admin))
        assert (
            error == f'digital_triage_start: must be an ISO 8601 date as text, e.g. 2026-12-05 (got "{text}")'
        )
    stored = staff.client.put(url, json=facility | {"digital_triage_start": "2026-03-01"}, headers=admin)
    assert stored.status_code == 201, stored.text  # added: the directory had no f-dates
    # what was stored is read back: the response left the date out
    assert stored.json()["digital_triage_start"] == "2026-03-01"
    listed = {f["id"]: f for f in staff.client.get("/api/v1/facilities", headers=admin).json()}
    assert listed["f-dates"]["digital_triage_start"] == "2026-03-01"


def test_a_reading_value_that_is_an_array_or_object_is_named_once_not_per_union_member(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    for value, kind in (([95], "array"), ({"v": 95}, "object")):
        walk_in = copy.deepcopy(WALK_IN)
        walk_in["observations"][1]["value"] = value
        error = refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
        # it said "observations[1].value.float: Input should be a valid number; ...value.str: ..."
        assert error == f"observations[1].value: must be a number, text or null (got a JSON {kind})", error
    assert patients(staff) == []


def _referral(staff: Staff, mrn: str = WALK_IN["patient"]["mrn"]) -> int:
    doctor = staff.bearer(Role.clinician)
    walk_in = copy.deepcopy(WALK_IN) | {"patient": WALK_IN["patient"] | {"mrn": mrn}}
    assessment = staff.client.post("/api/v1/assessments", json=walk_in, headers=doctor)
    assert assessment.status_code == 201, assessment.text
    body = {
        "assessment_id": assessment.json()["id"],
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "SpO2 86 % on air",
    }
    created = staff.client.post("/api/v1/referrals", json=body, headers=doctor)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_declining_or_cancelling_without_a_note_is_422_naming_the_note(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    referral_id = _referral(staff)
    url = f"/api/v1/referrals/{referral_id}/status"
    for status in ("declined", "cancelled"):
        for body in ({"status": status}, {"status": status, "note": None}, {"status": status, "note": "  "}):
            error = refused(staff.client.post(url, json=body, headers=doctor))
            # it said "a referral can only be declined with a note saying why": no field named
            assert error.startswith(f"note: required when the status is {status}"), error
    assert staff.client.get(f"/api/v1/referrals/{referral_id}", headers=doctor).json()["status"] == "proposed"
    done = staff.client.post(url, json={"status": "cancelled", "note": "bed found locally"}, headers=doctor)
    assert done.status_code == 200 and done.json()["status"] == "cancelled", done.text


def _schema(staff: Staff) -> dict[str, Any]:
    """The service's OpenAPI document, from ``staff``'s service: the tests read it from the module's
    one service for refused requests (conftest.refusing_staff; a GET stores nothing), where each
    built it anew on its own service (about half a second of CPU) - the same app, the same
    document (test_api_conditional_get: read again, it is the same)."""
    response = staff.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _ref(schema: dict[str, Any]) -> str | None:
    """The component a response or property refers to (also through anyOf with null)."""
    if "$ref" in schema:
        return str(schema["$ref"])
    refs = [s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s]
    return str(refs[0]) if refs else None


def test_every_refusal_the_document_lists_has_the_error_shape_and_a_token_is_declared(
    staff: Staff, refusing_staff: Staff
) -> None:
    document = _schema(refusing_staff)
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4") or (status == "503" and path.startswith("/api/")):
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    if _ref(schema) != ERROR_SHAPE:
                        missing.append(f"{method.upper()} {path} {status}")
    # a route's own 409 replaced the router's whole and its body had no schema
    assert missing == [], missing
    error_shape = document["components"]["schemas"]["ErrorOut"]
    assert {"ok", "error", "code", "status", "context"} <= set(error_shape["properties"])

    # how to authenticate: nothing said it, so a generated client sent no token
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            guarded = path.startswith("/api/") or path == "/metrics"
            assert (operation.get("security") == [{"bearer": []}]) is guarded, (method, path)

    # what the service really answers has the documented shape, context included
    referral_id = _referral(staff)
    doctor = staff.bearer(Role.clinician)
    referral = staff.client.get(f"/api/v1/referrals/{referral_id}", headers=doctor).json()
    again = {
        "assessment_id": referral["assessment_id"],
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "again",
    }
    conflict = staff.client.post("/api/v1/referrals", json=again, headers=doctor)
    assert conflict.status_code == 409
    assert set(conflict.json()) <= set(error_shape["properties"]) and conflict.json()["context"]
    assert set(error_shape["required"]) <= set(conflict.json())
    anonymous = staff.client.get("/metrics")
    assert refused(anonymous, 401) and set(anonymous.json()) <= set(error_shape["properties"])


def test_dispositions_and_referral_statuses_are_enums_in_the_document_as_in_the_answers(
    staff: Staff, refusing_staff: Staff
) -> None:
    schemas = _schema(refusing_staff)["components"]["schemas"]
    assert schemas["Disposition"]["enum"] == [d.value for d in Disposition]
    disposition = "#/components/schemas/Disposition"
    for model, field in (
        ("AssessmentOut", "disposition"),
        ("WalkInOut", "disposition"),
        ("OverrideOut", "disposition"),
        ("QueueItem", "disposition"),
        ("EncounterDetail", "final_disposition"),
        ("AssignedOut", "disposition"),
        ("BasisChangeOut", "disposition"),
    ):
        # it was a plain string: a client could not know the five values it must handle
        assert _ref(schemas[model]["properties"][field]) == disposition, (model, field)
    referral = schemas["ReferralOut"]["properties"]
    assert referral["status"]["enum"] == [
        "proposed",
        "sent",
        "accepted",
        "arrived",
        "completed",
        "declined",
        "cancelled",
    ]
    assert referral["urgency"]["enum"] == ["emergency", "urgent", "routine"]
    ready = _schema(refusing_staff)["paths"]["/readyz"]["get"]["responses"]
    for status in ("200", "503"):
        assert _ref(ready[status]["content"]["application/json"]["schema"]) == "#/components/schemas/ReadyOut"
    assert set(staff.client.get("/readyz").json()) == set(schemas["ReadyOut"]["properties"])

    nurse = staff.bearer(Role.nurse)
    walk_in = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=nurse).json()
    queue = staff.client.get("/api/v1/queue", headers=nurse).json()
    assert walk_in["disposition"] in schemas["Disposition"]["enum"]
    assert {row["disposition"] for row in queue} <= set(schemas["Disposition"]["enum"])


def test_text_holding_a_nul_character_is_422_naming_the_field_not_a_500(staff: Staff) -> None:
    # SQLite's length() stops at a NUL: a reason beginning with one failed the log's CHECK
    # (length(trim(reason)) > 0) as a 500; one in the middle cut the text for every reader
    doctor = staff.bearer(Role.clinician)
    assessment = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor).json()
    encounter = assessment["encounter_id"]
    refer = {"assessment_id": assessment["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    for url, body, field in (
        (f"/api/v1/assessments/{assessment['id']}/overrides", {"disposition": "local_care"}, "reason"),
        ("/api/v1/referrals", refer, "reason"),
        (f"/api/v1/encounters/{encounter}/close", {}, "reason"),
        ("/api/v1/patients", {"mrn": "NUL-1"}, "name"),
    ):
        for text in ("\x00looks fine", "cut\x00here"):
            error = refused(staff.client.post(url, json=body | {field: text}, headers=doctor))
            assert error == f"{field}: has a NUL character (U+0000); send the text without it", (url, error)
    readings = [{"code": "spo2", "value": 95, "unit": "%"}, {"code": "spo2", "value": "9\x005", "unit": "%"}]
    error = refused(
        staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=readings, headers=doctor)
    )
    assert error.startswith("body[1].value: has a NUL character"), error
    db = staff.app.state.runtime.databases.get()
    for table in ("overrides", "referrals"):
        assert db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert [r[0] for r in db.conn.execute("SELECT mrn FROM patients")] == [WALK_IN["patient"]["mrn"]]
    # the six characters \u0000 as text (an escaped backslash in the JSON) are no NUL
    literal = staff.client.post(
        "/api/v1/patients", json={"mrn": "NUL-2", "name": "a\\u0000b"}, headers=doctor
    )
    assert literal.status_code == 201 and literal.json()["name"] == "a\\u0000b", literal.text


def test_a_pregnant_male_is_refused_naming_context_pregnant_the_field_the_client_sent(staff: Staff) -> None:
    # it said "patient.pregnant: ...": the engine's input file, not the API's body (no such field)
    nurse = staff.bearer(Role.nurse)
    walk_in = copy.deepcopy(WALK_IN) | {"context": {"pregnant": True}}
    error = refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
    assert error == 'context.pregnant: true is inconsistent with patient.sex "male"', error
    registered = staff.client.post("/api/v1/patients", json={"mrn": "PM-1", "sex": "male"}, headers=nurse)
    assert registered.status_code == 201, registered.text
    stored_male = copy.deepcopy(walk_in) | {"patient": {"mrn": "PM-1"}}  # sex not given: the stored one
    error = refused(staff.client.post("/api/v1/assessments", json=stored_male, headers=nurse))
    assert error == 'context.pregnant: true is inconsistent with the patient\'s stored sex "male"', error
    visit = staff.client.post("/api/v1/encounters", json={"mrn": "PM-1"}, headers=nurse).json()["id"]
    now = {"context": {"pregnant": True}}
    error = refused(staff.client.post(f"/api/v1/encounters/{visit}/assessments", json=now, headers=nurse))
    assert error == 'context.pregnant: true is inconsistent with the patient\'s stored sex "male"', error
    db = staff.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 0
    female = copy.deepcopy(walk_in) | {"patient": {"mrn": "PF-1", "sex": "female"}}
    assert staff.client.post("/api/v1/assessments", json=female, headers=nurse).status_code == 201


DOCS = Path(__file__).resolve().parents[2] / "docs" / "service.md"


def _api_section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text[text.index("\n## API\n") : text.index("\n## Settings")]


def test_the_docs_list_every_api_path_and_their_example_runs(staff: Staff, refusing_staff: Staff) -> None:
    section = _api_section()
    listed = {
        re.sub(r"\{[^}]*\}", "{}", path)
        for path in re.findall(r"(/(?:api/v1|healthz|readyz|metrics)[^\s`?|,]*)", section)
    }
    document = _schema(refusing_staff)
    missing = [path for path in document["paths"] if re.sub(r"\{[^}]*\}", "{}", path) not in listed]
    assert missing == [], f"docs/service.md's API section does not list {missing}"

    # the curl example, as an integrator would paste it
    example = re.search(r"curl .*?-d '(.*?)' \\\s*\n\s*(http://\S+)", section, re.S)
    assert example is not None
    body, url = json.loads(example.group(1)), example.group(2)
    integrator = staff.bearer(Role.integrator)
    answer = staff.client.post(url.removeprefix("http://127.0.0.1:8000"), json=body, headers=integrator)
    assert answer.status_code == 201, answer.text
    assert answer.json()["disposition"] in [d.value for d in Disposition]
    # the same walk-in is the OpenAPI document's example for the body
    assert document["components"]["schemas"]["WalkInAssessment"]["examples"] == [body]


def test_a_query_parameter_the_path_does_not_take_is_422_naming_it_not_ignored(staff: Staff) -> None:
    # ?offset on the referral list was ignored: a client paging with it got the first page again
    doctor = staff.bearer(Role.clinician)
    first, second = _referral(staff, "Q-1"), _referral(staff, "Q-2")
    error = refused(staff.client.get("/api/v1/referrals", params={"limit": 1, "offset": 1}, headers=doctor))
    assert error == (
        "query.offset: unknown parameter; GET /api/v1/referrals takes status, basis_review_needed,"
        " encounter_id, limit, before_id"
    ), error
    error = refused(staff.client.get("/api/v1/patients", params={"limt": 1}, headers=doctor))
    assert (
        error == "query.limt: unknown parameter; GET /api/v1/patients takes limit, offset, before_id, mrn"
    ), error
    error = refused(staff.client.get(f"/api/v1/referrals/{first}", params={"verbose": 1}, headers=doctor))
    assert error.endswith(f"GET /api/v1/referrals/{first} takes no query parameters"), error
    newest = staff.client.get("/api/v1/referrals", params={"limit": 1}, headers=doctor)
    assert [r["id"] for r in newest.json()] == [second], newest.text
    page = staff.client.get("/api/v1/patients", params={"limit": 1, "offset": 1}, headers=doctor)
    assert page.status_code == 200 and len(page.json()["data"]) == 1, page.text


def test_who_may_ask_is_answered_before_what_was_asked_is_refused(staff: Staff) -> None:
    # FastAPI decodes the body before the role check: a malformed body was a 422 to anyone
    json_type = {"Content-Type": "application/json"}
    nurse = staff.bearer(Role.nurse) | json_type
    for body in (b"{bad", b'{"reason": "a", "reason": "b"}', b'{"reason": "\\u0000x"}'):
        anonymous = staff.client.post("/api/v1/referrals", content=body, headers=json_type)
        assert refused(anonymous, 401) == "log in or send an API token (Authorization: Bearer ...)"
        assert anonymous.json()["code"] == "not_authenticated"
        unknown = staff.client.post(
            "/api/v1/referrals", content=body, headers=json_type | {"Authorization": "Bearer x"}
        )
        assert refused(unknown, 401) == "the API token is unknown or revoked"
        wrong_role = staff.client.post("/api/v1/referrals", content=body, headers=nurse)
        assert refused(wrong_role, 403).startswith('role "nurse" may not do this'), wrong_role.text
        allowed = staff.client.post(
            "/api/v1/referrals", content=body, headers=staff.bearer(Role.clinician) | json_type
        )
        assert refused(allowed).startswith(("body: ", "reason: ")), allowed.text
    assert refused(staff.client.get("/api/v1/patients", params={"limt": 1}), 401)
    assert refused(staff.client.get("/api/v1/users", params={"limt": 1}, headers=nurse), 403)


def test_a_401_says_how_to_authenticate(staff: Staff) -> None:
    # RFC 9110 11.6.1: a 401 carries WWW-Authenticate; RFC 6750 3: invalid_token for a token not known
    anonymous = staff.client.get("/api/v1/patients")
    assert refused(anonymous, 401) and anonymous.headers["www-authenticate"] == 'Bearer realm="clinic-triage"'
    unknown = staff.client.get("/api/v1/patients", headers={"Authorization": "Bearer x"})
    assert refused(unknown, 401)
    assert unknown.headers["www-authenticate"] == 'Bearer realm="clinic-triage", error="invalid_token"'
    allowed = staff.client.get("/api/v1/patients", headers=staff.bearer(Role.nurse))
    assert allowed.status_code == 200 and "www-authenticate" not in allowed.headers


def _integer_schemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            yield node
        for value in node.values():
            yield from _integer_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _integer_schemas(value)


def test_integer_bounds_are_written_as_integers_exactly(staff: Staff, refusing_staff: Staff) -> None:
    """FastAPI's document model held body bounds as floats: a body id's maximum 2^62 read
    4.611686018427388e+18, which 4611686018427387999 also is as a float, so a client checking
    against the document sent it and the service refused it; minimum: 1 read 1.0."""
    text = refusing_staff.client.get("/openapi.json").text
    assert "e+18" not in text
    schema = json.loads(text)
    bounds = [
        (bound, s[bound])
        for s in _integer_schemas(schema)
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if bound in s
    ]
    assert bounds and all(type(value) is int for _, value in bounds), bounds
    referral = schema["components"]["schemas"]["ReferralCreate"]["properties"]["assessment_id"]
    assert referral["maximum"] == 2**62 and referral["minimum"] == 1
    too_big = staff.client.post(
        "/api/v1/referrals",
        json={
            "assessment_id": 2**62 + 1,
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "x",
        },
        headers=staff.bearer(Role.clinician),
    )
    assert too_big.status_code == 422 and too_big.json()["error"].startswith("assessment_id: ")
