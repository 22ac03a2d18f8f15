"""An integrator's JSON as the API reads it: times are ISO 8601 with an offset (never a bare Unix
number), yes/no fields are JSON true/false (never "false", "no" or 0), numbers are JSON numbers;
an observation's value keeps its text forms ("95", ">33.3"). Bodies that are empty, of the wrong
JSON kind or larger than 1 MiB get a 4xx that says so, and nothing is stored."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.service.conftest import WALK_IN, Staff, copy_seeded, live_server, make_settings
from tests.service.test_held_results import open_encounter
from triage.service import create_app
from triage.service.api.limits import MAX_BODY_BYTES
from triage.service.auth import Role

EXAMPLE = "e.g. 2026-12-05T09:30:00+08:00"


def stored(staff: Staff) -> dict[str, list[tuple[object, ...]]]:
    db = staff.app.state.runtime.databases.get()
    tables = ("patients", "encounters", "observations", "assessments", "referrals", "audit")
    return {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def refused(response: httpx.Response, status: int = 422) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["status"] == status and "Traceback" not in body["error"]
    return str(body["error"])


def test_a_unix_time_for_observed_at_is_422_naming_the_field_with_an_example(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    encounter = open_encounter(staff, "T-1")
    before = stored(staff)
    url = f"/api/v1/encounters/{encounter}/observations"
    for epoch, as_sent in (
        (1733380000, "1733380000"),
        (1733380000000, "1733380000000"),
        (1733380000.5, "1733380000.5"),
        ("1733380000", '"1733380000"'),  # quoted as JSON quotes it, not '1733380000'
    ):
        reading = [{"code": "spo2", "value": 95, "unit": "%", "observed_at": epoch}]
        error = refused(staff.client.post(url, json=reading, headers=nurse))
        assert error.startswith("body[0].observed_at: must be an ISO 8601 date-time with a UTC offset"), error
        assert EXAMPLE in error and f"(got {as_sent})" in error
        if not isinstance(epoch, str):
            assert "seconds or milliseconds" in error
        walk_in = copy.deepcopy(WALK_IN)
        walk_in["observations"][1]["observed_at"] = epoch
        error = refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
        assert error.startswith("observations[1].observed_at: must be an ISO 8601 date-time"), error
    # a time without its offset stays refused: the clinic's time or UTC?
    for naive in ("2026-12-05T09:30:00", "2026-12-05"):
        reading = [{"code": "spo2", "value": 95, "unit": "%", "observed_at": naive}]
        error = refused(staff.client.post(url, json=reading, headers=nurse))
        assert error.startswith("body[0].observed_at: has no UTC offset") and EXAMPLE in error, error
    assert stored(staff) == before, "nothing stored"
    for fine in ("2026-12-05T09:30:00+08:00", "2026-12-05T01:30:00Z", "2026-12-05 09:30:00.250+08:00"):
        reading = [{"code": "spo2", "value": 95, "unit": "%", "observed_at": fine}]
        assert staff.client.post(url, json=reading, headers=nurse).status_code == 201, fine
    detail = staff.client.get(f"/api/v1/encounters/{encounter}", headers=nurse).json()
    assert len(detail["observations"]) == 3, "the three readings only"


@pytest.mark.parametrize(
    ("answer", "as_sent"),
    [
        ("false", '"false"'),
        ("true", '"true"'),
        ("no", '"no"'),
        ("yes", '"yes"'),
        ("0", '"0"'),
        ("1", '"1"'),
        (0, "0"),
        (1, "1"),
    ],
)
def test_a_clinical_yes_no_sent_as_text_or_a_number_is_422_never_guessed(
    staff: Staff, answer: object, as_sent: str
) -> None:
    nurse, doctor = staff.bearer(Role.nurse), staff.bearer(Role.clinician)
    encounter = open_encounter(staff, "B-1")
    before = stored(staff)
    for field in ("pregnant", "on_antihypertensives", "diabetes", "current_smoker", "spo2_scale2"):
        body = {"context": {field: answer}}
        response = staff.client.post(f"/api/v1/encounters/{encounter}/assessments", json=body, headers=nurse)
        error = refused(response)
        assert (
            error
            == f"context.{field}: must be true or false (a JSON boolean, without quotes) (got {as_sent})"
        )
        walk_in = copy.deepcopy(WALK_IN) | {"context": {field: answer}}
        error = refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
        assert error.startswith(f"context.{field}: must be true or false"), error
    reading = [{"code": "spo2", "value": 95, "unit": "%", "qc": answer}]
    error = refused(
        staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=reading, headers=nurse)
    )
    assert error.startswith("body[0].qc: must be true or false"), error
    close = {"reason": "home", "without_referral": answer}
    error = refused(staff.client.post(f"/api/v1/encounters/{encounter}/close", json=close, headers=nurse))
    assert error.startswith("without_referral: must be true or false"), error
    referral = {"assessment_id": 1, "to_facility": "county-hospital", "urgency": "routine", "reason": "BP"}
    error = refused(
        staff.client.post("/api/v1/referrals", json=referral | {"alongside_open": answer}, headers=doctor)
    )
    assert error.startswith("alongside_open: must be true or false"), error
    attach = {"encounter_id": encounter, "replace": answer}
    error = refused(staff.client.post("/api/v1/devices/ox-1/association", json=attach, headers=nurse))
    assert error.startswith("replace: must be true or false"), error
    assert stored(staff) == before, "nothing stored, the encounter still open"


def test_json_true_false_and_null_still_answer_a_yes_no(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    encounter = open_encounter(staff, "B-2")
    context = {"pregnant": False, "on_antihypertensives": True, "diabetes": None, "spo2_scale2": False}
    response = staff.client.post(
        f"/api/v1/encounters/{encounter}/assessments", json={"context": context}, headers=nurse
    )
    assert response.status_code == 201, response.text
    reading = [{"code": "spo2", "value": 95, "unit": "%", "qc": True}]
    added = staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=reading, headers=nurse)
    assert added.status_code == 201, added.text


def test_a_number_sent_as_text_is_422_but_an_observation_value_keeps_its_text_forms(staff: Staff) -> None:
    nurse, doctor = staff.bearer(Role.nurse), staff.bearer(Role.clinician)
    encounter = open_encounter(staff, "N-1")
    before = stored(staff)
    wrong: list[tuple[str, str, dict[str, Any], str]] = [
        ("/api/v1/encounters", "nurse", {"mrn": "N-1", "age_years": "70"}, "age_years"),
        (
            f"/api/v1/encounters/{encounter}/assessments",
            "nurse",
            {"context": {"waist_cm": "90"}},
            "context.waist_cm",
        ),
        (f"/api/v1/encounters/{encounter}/assessments", "nurse", {"context": {"bmi": "7_0"}}, "context.bmi"),
        ("/api/v1/assessments", "nurse", WALK_IN | {"age_years": "70"}, "age_years"),
        (
            "/api/v1/referrals",
            "doctor",
            {"assessment_id": "1", "to_facility": "county-hospital", "urgency": "routine", "reason": "BP"},
            "assessment_id",
        ),
        ("/api/v1/devices/ox-1/association", "nurse", {"encounter_id": str(encounter)}, "encounter_id"),
        (
            "/api/v1/devices/results/1/assign",
            "nurse",
            {"encounter_id": str(encounter), "reason": "hers"},
            "encounter_id",
        ),
    ]
    for url, who, body, field in wrong:
        response = staff.client.post(url, json=body, headers=nurse if who == "nurse" else doctor)
        error = refused(response)
        assert error.startswith(f"{field}: must be a number (a JSON number, without quotes)"), (url, error)
    assert stored(staff) == before, "nothing stored"
    # A reading's value is text by nature: a device's number as text, censored, a coded answer.
    readings = [
        {"code": "spo2", "value": "95", "unit": "%"},
        {"code": "glucose_random", "value": ">33.3", "unit": "mmol/L"},
        {"code": "creatinine", "value": "<20", "unit": "umol/L"},
    ]
    added = staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=readings, headers=nurse)
    assert added.status_code == 201, added.text
    values = {
        o["code"]: (o["comparator"], o["value_num"])
        for o in staff.client.get(f"/api/v1/encounters/{encounter}", headers=nurse).json()["observations"]
    }
    assert values == {"spo2": (None, 95.0), "glucose_random": (">", 33.3), "creatinine": ("<", 20.0)}


def test_an_empty_null_or_wrong_kind_of_body_and_an_endless_number_are_named(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse) | {"Content-Type": "application/json"}
    encounter = open_encounter(staff, "E-1")
    before = stored(staff)
    cases = [
        ("/api/v1/patients", b"", "body: empty; send the JSON document with Content-Type: application/json"),
        ("/api/v1/patients", b"null", "body: expected a JSON object, got null"),
        ("/api/v1/patients", b'["P-1"]', "body: expected a JSON object, got an array"),
        (
            f"/api/v1/encounters/{encounter}/observations",
            b'{"code": "spo2"}',
            "body: expected a JSON array, got an object",
        ),
    ]
    for url, raw, message in cases:
        assert refused(staff.client.post(url, content=raw, headers=nurse)) == message
    digits = b'{"mrn": "E-1", "age_years": ' + b"9" * 5000 + b"}"
    error = refused(staff.client.post("/api/v1/encounters", content=digits, headers=nurse))
    assert error.startswith("age_years: the number 9999"), error  # (a 400 naming no field before)
    assert stored(staff) == before


def test_a_body_over_one_mib_is_413_before_it_is_read(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    before = stored(staff)
    name = "a" * MAX_BODY_BYTES
    response = staff.client.post("/api/v1/patients", json={"mrn": "BIG-1", "name": name}, headers=nurse)
    error = refused(response, 413)
    assert response.json()["code"] == "body_too_large"
    size = MAX_BODY_BYTES + len('{"mrn":"BIG-1","name":""}')
    assert error == f"body: {size} bytes; the API takes at most 1048576 bytes (1 MiB): send less per request"
    assert stored(staff) == before
    # a page's form too, answered with the error page (test_api_form_body_limit.py): it was read
    # whole, however large, before the page judged it
    page = staff.client.post("/walk-ins", data={"mrn": "x", "name": name}, follow_redirects=False)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")


@pytest.fixture
def live(tmp_path: Any, seeded: Any) -> Iterator[dict[str, Any]]:
    """The service on a real uvicorn server (a chunked upload is HTTP, not the test client's)."""
    tokens = copy_seeded(seeded, tmp_path)
    with live_server(create_app(make_settings(tmp_path))) as base:
        yield {"base": base, "headers": {"Authorization": f"Bearer {tokens[Role.nurse]}"}}


def test_a_chunked_body_without_length_is_stopped_at_one_mib_on_a_real_server(live: dict[str, Any]) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"mrn": "CH-1", "name": "'
        for _ in range(64):  # 4 MiB in all, if nothing stopped it
            sent += 65536
            yield b"a" * 65536
        yield b'"}'

    headers = live["headers"] | {"Content-Type": "application/json"}
    with httpx.Client(base_url=live["base"], timeout=30) as client:
        response = client.post("/api/v1/patients", content=chunks(), headers=headers)
        assert "content-length" not in response.request.headers, "sent in chunks"
        error = refused(response, 413)
        assert error.startswith("body: more than 1048576 bytes; the API takes at most 1048576 bytes"), error
        assert client.get("/api/v1/patients", headers=live["headers"]).json()["count"] == 0
        fine = client.post("/api/v1/patients", json={"mrn": "CH-2"}, headers=live["headers"])
        assert fine.status_code == 201, fine.text


def test_a_facility_put_takes_numbers_true_false_and_an_iso_date_strictly(staff: Staff) -> None:
    admin = staff.bearer(Role.admin)
    (seeded,) = [
        f
        for f in staff.client.get("/api/v1/facilities", headers=admin).json()
        if f["id"] == "county-hospital"
    ]
    facility = {k: v for k, v in seeded.items() if k != "synthetic"}
    url = "/api/v1/facilities/county-hospital"
    db = staff.app.state.runtime.databases.get()
    before = db.conn.execute("SELECT * FROM facilities ORDER BY id").fetchall()
    wrong = [  # the value as the client sent it, in JSON: "yes", not Python's 'yes'
        ("synthetic", "yes", "must be true or false (a JSON boolean, without quotes)", '"yes"'),
        ("synthetic", 1, "must be true or false (a JSON boolean, without quotes)", "1"),
        ("beds", "20", "must be a number (a JSON number, without quotes)", '"20"'),
        ("lon", "104.0", "must be a number (a JSON number, without quotes)", '"104.0"'),
        ("beds", False, "must be a number (a JSON number, without quotes)", "false"),
        ("beds", None, "Input should be a valid integer", "null"),  # the null was not named
        # 1733356800 was read as a Unix time: 2024-12-05
        (
            "digital_triage_start",
            1733356800,
            "must be an ISO 8601 date as text, e.g. 2026-12-05",
            "1733356800",
        ),
        ("digital_triage_start", True, "must be an ISO 8601 date as text, e.g. 2026-12-05", "true"),
    ]
    for field, value, rule, as_sent in wrong:
        error = refused(staff.client.put(url, json=facility | {field: value}, headers=admin))
        assert error == f"{field}: {rule} (got {as_sent})", error
    assert db.conn.execute("SELECT * FROM facilities ORDER BY id").fetchall() == before
    fine = facility | {"digital_triage_start": "2026-03-01", "synthetic": True}
    response = staff.client.put(url, json=fine, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["synthetic"] is True


def test_a_key_repeated_in_one_object_is_422_naming_it_not_the_last_value(staff: Staff) -> None:
    """JSON readers disagree on which of two values wins; the API kept the last one without a word
    (``triage assess`` refused it already)."""
    nurse = staff.bearer(Role.nurse) | {"Content-Type": "application/json"}
    before = stored(staff)
    walk_in = (
        b'{"patient": {"mrn": "D-1"}, "context": {"pregnant": true, "pregnant": false},'
        b' "observations": [{"code": "spo2", "value": 95, "unit": "%"}]}'
    )
    response = staff.client.post("/api/v1/assessments", content=walk_in, headers=nurse)
    assert refused(response) == (
        'body: key "pregnant" appears twice in one object; keep one (JSON readers disagree on which wins)'
    )
    assert response.json()["code"] == "invalid_input"
    reading = b'[{"code": "spo2", "value": 95, "value": 75, "unit": "%"}]'
    error = refused(staff.client.post("/api/v1/encounters/1/observations", content=reading, headers=nurse))
    assert error.startswith('body: key "value" appears twice in one object')
    assert stored(staff) == before
    fine = walk_in.replace(b', "pregnant": false', b"")
    assert staff.client.post("/api/v1/assessments", content=fine, headers=nurse).status_code == 201


def test_the_values_a_field_allows_are_quoted_as_json_not_as_python(staff: Staff) -> None:
    """Pydantic said Input should be 'female', 'male' or 'unknown' (got "other"): Python's quotes
    beside the JSON-quoted value the client sent."""
    nurse = staff.bearer(Role.nurse)
    before = stored(staff)
    response = staff.client.post("/api/v1/patients", json={"mrn": "Q-1", "sex": "other"}, headers=nurse)
    assert refused(response) == 'sex: Input should be "female", "male" or "unknown" (got "other")'
    assert stored(staff) == before
