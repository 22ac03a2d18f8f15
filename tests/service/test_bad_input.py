"""A careless client's requests against the API and the pages, on a real SQLite file: each is
refused with a 4xx naming the field or the reason, never a 500, and nothing stored changes."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_held_results import lab_message, lab_result
from triage.service.auth import Role


def stored(staff: Staff, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    db = staff.app.state.runtime.databases.get()
    return {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def test_an_encounter_key_reused_for_another_patient_is_409_not_the_first_patient_s_encounter(
    staff: Staff,
) -> None:
    nurse = staff.bearer(Role.nurse)
    for mrn in ("KEY-A", "KEY-B"):
        assert staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=nurse).status_code == 201
    first = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-A", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert first.status_code == 201, first.text
    again = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-A", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"], "a retry: the same row"
    before = stored(staff, "encounters", "audit")
    other = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-B", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert '"visit-1" was already used for another patient\'s encounter' in other.json()["error"]
    unknown = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-NONE", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert unknown.status_code == 409, unknown.text
    assert stored(staff, "encounters", "audit") == before


def test_assess_now_repeated_with_its_idempotency_key_returns_the_stored_assessment(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    for mrn in ("AK-1", "AK-2"):
        assert staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=nurse).status_code == 201
    one, two = (
        staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=nurse).json()["id"]
        for mrn in ("AK-1", "AK-2")
    )
    reading = [{"code": "spo2", "value": 91, "unit": "%"}]
    assert (
        staff.client.post(f"/api/v1/encounters/{one}/observations", json=reading, headers=nurse).status_code
        == 201
    )
    body = {"idempotency_key": "assess-1", "context": {"current_smoker": True}}
    first = staff.client.post(f"/api/v1/encounters/{one}/assessments", json=body, headers=nurse)
    assert first.status_code == 201, first.text
    before = stored(staff, "assessments", "encounters", "audit")
    again = staff.client.post(f"/api/v1/encounters/{one}/assessments", json=body, headers=nurse)
    assert again.status_code == 201, again.text
    assert again.json() == first.json(), "a retry gets the stored assessment"
    other = staff.client.post(f"/api/v1/encounters/{two}/assessments", json=body, headers=nurse)
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert f"already used for an assessment of encounter {one}" in other.json()["error"]
    assert stored(staff, "assessments", "encounters", "audit") == before, "nothing stored twice"


def test_a_facility_with_more_beds_than_a_64_bit_integer_is_422_and_the_directory_unchanged(
    staff: Staff,
) -> None:
    admin = staff.bearer(Role.admin)
    facility = {
        "id": "county-hospital",
        "name": "County Hospital",
        "tier": "secondary",
        "region_code": "R1",
        "lon": 104.0,
        "lat": 30.6,
        "beds": 20,
        "capacity": 100,
    }
    before = stored(staff, "facilities", "audit")
    for field, value in (("beds", 2**63), ("capacity", 10**30), ("beds", 100_001)):
        response = staff.client.put(
            "/api/v1/facilities/county-hospital", json=facility | {field: value}, headers=admin
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"].startswith(f"{field}: Input should be less than or equal to")
        assert f"(got {value})" in response.json()["error"]
    for field in ("beds", "capacity", "lat"):  # pydantic read true as 1 (a 1-bed hospital)
        response = staff.client.put(
            "/api/v1/facilities/county-hospital", json=facility | {field: True}, headers=admin
        )
        assert response.status_code == 422, response.text
        assert (
            response.json()["error"]
            == f"{field}: must be a number (a JSON number, without quotes) (got true)"
        )
    assert stored(staff, "facilities", "audit") == before
    fine = staff.client.put(
        "/api/v1/facilities/county-hospital", json=facility | {"beds": 4300}, headers=admin
    )
    assert fine.status_code == 200 and fine.json()["beds"] == 4300, fine.text


PAGE_FORMS = {
    "/encounters/{}": None,
    "/encounters/{}/readings": {"code": "spo2", "value": "95"},
    "/encounters/{}/assess": {},
    "/encounters/{}/devices": {"device_id": "ox-1"},
    "/encounters/{}/close": {"reason": "home"},
    "/assessments/{}/override": {"disposition": "local_care", "reason": "seen"},
    "/assessments/{}/refer": {"to_facility": "county-hospital", "urgency": "urgent", "reason": "BP"},
    "/referrals/{}/status": {"status": "accepted"},
    "/referrals/{}/basis-review": {"reason": "keep"},
    "/devices/results/{}/assign": {"encounter_id": "1", "reason": "mine"},
    "/devices/results/{}/dismiss": {"reason": "strip"},
}


def test_a_page_s_record_id_out_of_range_is_422_naming_it_not_a_500(staff: Staff) -> None:
    csrf = staff.login(Role.admin)
    before = stored(staff, "encounters", "assessments", "referrals", "audit")
    for template, form in PAGE_FORMS.items():
        for wrong in (str(2**63), str(2**64), "0", "-1"):
            path = template.format(wrong)
            if form is None:
                response = staff.client.get(path)
            else:
                response = staff.client.post(path, data={**form, "csrf_token": csrf})
            assert response.status_code == 422, (path, response.status_code)
            field = template.split("/")[1][:-1] + "_id"  # encounters -> encounter_id
            field = "result_id" if template.startswith("/devices") else field
            assert f"{field}: Input should be" in response.text, (path, response.text[-800:])
    assert stored(staff, "encounters", "assessments", "referrals", "audit") == before


def test_the_walk_in_form_refuses_a_blank_record_number_and_a_superscript_age_with_422(
    staff: Staff,
) -> None:
    csrf = staff.login(Role.nurse)
    before = stored(staff, "patients", "encounters", "audit")
    for form, says in (
        ({"mrn": "   "}, "Give the record number (the field held only spaces)."),
        ({"mrn": "PG-1", "age_years": "²"}, "Age &#34;²&#34; is not valid: give whole years from 0 to 130"),
    ):
        response = staff.client.post("/walk-ins", data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 422, (form, response.status_code)
        assert says in response.text, response.text[-800:]
    assert stored(staff, "patients", "encounters", "audit") == before
    fine = staff.client.post(
        "/walk-ins", data={"mrn": "PG-2", "age_years": "３０", "csrf_token": csrf}, follow_redirects=False
    )
    assert fine.status_code == 303, "full-width digits are a number"


def test_the_held_result_form_refuses_an_encounter_id_past_64_bits(staff: Staff) -> None:
    (result_id,) = lab_message(staff, lab_result("GLU", code="glucose_random", sample="BIG-1"))
    csrf = staff.login(Role.nurse)
    before = stored(staff, "observations", "device_result_reviews", "audit")
    for wrong in (str(2**63), "9" * 20, "²"):
        response = staff.client.post(
            f"/devices/results/{result_id}/assign",
            data={"encounter_id": wrong, "reason": "x", "csrf_token": csrf},
        )
        assert response.status_code == 422, (wrong, response.status_code)
    assert stored(staff, "observations", "device_result_reviews", "audit") == before


def test_what_the_framework_refuses_has_the_api_s_error_shape_and_says_why(staff: Staff) -> None:
    admin = {**staff.bearer(Role.admin), "content-type": "application/json"}
    before = stored(staff, "patients", "audit")
    cases = [
        (
            "POST",
            "/api/v1/patients",
            b'{"mrn": "\xff\xfe"}',
            400,
            "unreadable_body",
            "body: not UTF-8 (byte 0xff at offset 9)",
        ),
        (
            "POST",
            "/api/v1/patients",
            b"[" * 100_000 + b"]" * 100_000,
            400,
            "unreadable_body",
            "nested too deeply",
        ),
        ("GET", "/api/v1/nothing", b"", 404, "not_found", "no such path: GET /api/v1/nothing"),
        ("GET", "/api/v1/patients/1/2", b"", 404, "not_found", "no such path: GET /api/v1/patients/1/2"),
        (
            "PATCH",
            "/api/v1/patients",
            b"",
            405,
            "method_not_allowed",
            "method PATCH is not allowed on /api/v1/patients",
        ),
    ]
    for method, path, body, status, code, says in cases:
        response = staff.client.request(method, path, content=body, headers=admin)
        assert response.status_code == status, (path, response.text)
        found = response.json()
        assert found["ok"] is False and found["status"] == status and found["code"] == code, found
        assert says in found["error"], found
    assert stored(staff, "patients", "audit") == before
    staff.login(Role.nurse)
    page = staff.client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    alert = page.text.split('<p class="error" role="alert">')[1].split("</p>")[0]
    assert alert.strip().startswith("There is no page at /no-such-page:"), alert
    assert "error-detail" not in page.text, "no English log line repeating the English sentence"


def test_a_body_that_is_not_json_says_where_or_which_content_type(staff: Staff) -> None:
    admin = staff.bearer(Role.admin)
    broken = staff.client.post(
        "/api/v1/patients", content=b'{"mrn": ', headers={**admin, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["error"] == "body: JSON decode error at character 8: Expecting value"
    for path in ("/api/v1/patients", "/api/v1/encounters/1/observations"):
        plain = staff.client.post(
            path, content=b'{"mrn": "CT-1"}', headers={**admin, "content-type": "text/plain"}
        )
        assert plain.status_code == 415, plain.text  # the header is wrong, not a field (test_api_media_type)
        assert plain.json()["error"] == (
            "header.Content-Type: text/plain is not JSON; send the body as JSON with Content-Type:"
            f" application/json (POST {path} takes JSON only)"
        )
    assert staff.client.get("/api/v1/patients", headers=admin).json()["count"] == 0


def test_a_boolean_where_a_number_belongs_is_422_not_a_reading_of_1_or_record_1(staff: Staff) -> None:
    clinician = staff.bearer(Role.clinician)
    made = staff.client.post(
        "/api/v1/assessments", json={"patient": {"mrn": "BOOL-1"}, **_spo2(97)}, headers=clinician
    )
    assert made.status_code == 201, made.text
    before = stored(staff, "patients", "encounters", "observations", "assessments", "referrals", "audit")
    glucose = {"code": "glucose_random", "value": True, "unit": "mmol/L"}
    cases = [
        (
            "/api/v1/assessments",
            {"patient": {"mrn": "BOOL-2"}, "observations": [glucose]},
            "observations[0].value",
        ),
        (f"/api/v1/encounters/{made.json()['encounter_id']}/observations", [glucose], "body[0].value"),
        ("/api/v1/assessments", {"patient": {"mrn": "BOOL-3"}, "age_years": True, **_spo2(97)}, "age_years"),
        (
            "/api/v1/assessments",
            {"patient": {"mrn": "BOOL-4"}, "context": {"weight_kg": True}, **_spo2(97)},
            "context.weight_kg",
        ),
        ("/api/v1/encounters", {"mrn": "BOOL-1", "age_years": False}, "age_years"),
        (
            "/api/v1/referrals",
            {"assessment_id": True, "to_facility": "county-hospital", "urgency": "urgent", "reason": "x"},
            "assessment_id",
        ),
        ("/api/v1/devices/ox-1/association", {"encounter_id": True}, "encounter_id"),
        ("/api/v1/devices/results/1/assign", {"encounter_id": True, "reason": "x"}, "encounter_id"),
    ]
    for path, body, field in cases:
        response = staff.client.post(path, json=body, headers=clinician)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        if field.endswith("value"):  # a reading's value takes text too: only the boolean is refused
            assert (
                error.startswith(f"{field}: ")
                and "Value error" not in error
                and "is a boolean, not a number" in error
            )
        else:  # a JSON number only (triage.json_input)
            assert error.startswith(f"{field}: must be a number (a JSON number, without quotes) (got "), error
    assert (
        stored(staff, "patients", "encounters", "observations", "assessments", "referrals", "audit") == before
    )


def _spo2(value: int) -> dict[str, object]:
    return {"observations": [{"code": "spo2", "value": value, "unit": "%"}]}


def test_a_reading_time_in_year_1_or_9999_is_422_and_the_patient_page_still_opens(staff: Staff) -> None:
    clinician = staff.bearer(Role.clinician)
    made = staff.client.post(
        "/api/v1/assessments", json={"patient": {"mrn": "TIME-1"}, **_spo2(97)}, headers=clinician
    )
    encounter = made.json()["encounter_id"]
    before = stored(staff, "observations", "assessments", "audit")
    for at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00Z"):
        reading = [{"code": "spo2", "value": 90, "unit": "%", "observed_at": at}]
        response = staff.client.post(
            f"/api/v1/encounters/{encounter}/observations", json=reading, headers=clinician
        )
        assert response.status_code == 422, (at, response.text)
        assert response.json()["error"].startswith("body[0]: spo2: observed_at "), response.json()
        assert "is out of range (year" in response.json()["error"]
    assert stored(staff, "observations", "assessments", "audit") == before
    staff.login(Role.clinician)
    assert staff.client.get(f"/encounters/{encounter}").status_code == 200


def test_a_stored_reading_time_without_a_local_time_is_shown_as_stored_not_a_500(staff: Staff) -> None:
    made = staff.client.post(
        "/api/v1/assessments",
        json={"patient": {"mrn": "TIME-2"}, **_spo2(97)},
        headers=staff.bearer(Role.nurse),
    )
    encounter = made.json()["encounter_id"]
    db = staff.app.state.runtime.databases.get()
    with db.conn:  # as stored before such times were refused
        db.conn.execute(
            "UPDATE observations SET observed_at = ? WHERE encounter_id = ?",
            ["0001-01-01T00:00:00+14:00", encounter],
        )
    staff.login(Role.nurse)
    page = staff.client.get(f"/encounters/{encounter}")
    assert page.status_code == 200
    assert "0001-01-01T00:00:00+14:00" in page.text


def test_a_birth_date_sent_as_a_number_is_422_not_a_birth_in_1970(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    for number, shown in ((0, "0"), (19560314, "19560314"), (1.5, "1.5"), (True, "true"), (False, "false")):
        response = staff.client.post(
            "/api/v1/patients", json={"mrn": "BD-1", "birth_date": number}, headers=nurse
        )
        assert response.status_code == 422, (number, response.text)
        # the value once, as the JSON had it: it said "(not the number True) (got true)"
        assert response.json()["error"] == (
            f"birth_date: give the date as text, e.g. 1956-03-14 (a JSON string, in quotes) (got {shown})"
        ), response.text
        walk_in = {"patient": {"mrn": "BD-2", "birth_date": number}, **_spo2(97)}
        assert staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse).status_code == 422
    assert staff.client.get("/api/v1/patients", headers=nurse).json()["count"] == 0
    fine = staff.client.post(
        "/api/v1/patients", json={"mrn": "BD-1", "birth_date": "1956-03-14"}, headers=nurse
    )
    assert fine.status_code == 201 and fine.json()["birth_date"] == "1956-03-14"
