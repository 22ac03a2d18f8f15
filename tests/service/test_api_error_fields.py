"""Every refusal says where the refused input is as data (``fields``), not only in its sentence: a
client marks the form field or the parameter without parsing English. A 404 about a record the
body names (an ``assessment_id``, an ``mrn``) names that field; a 404 about the path's own record
names none - the two were the same answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import WALK_IN, Staff
from triage.service.api.errors import fields_in
from triage.service.auth import Role


def _refused(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = dict(answer.json())
    assert set(body) <= {"ok", "error", "code", "status", "context", "fields"} and body["ok"] is False, body
    return body


def test_the_document_declares_fields_in_the_one_error_shape(staff: Staff) -> None:
    document = staff.client.get("/openapi.json").json()
    shape = document["components"]["schemas"]["ErrorOut"]["properties"]["fields"]
    assert shape["anyOf"][0] == {"type": "array", "items": {"type": "string"}}, shape


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fields"),
    [
        ("get", "/api/v1/changes/referrals?after=-1", None, 422, ["query.after"]),
        ("get", "/api/v1/referrals?limit=0&status=x", None, 422, ["query.status", "query.limit"]),
        ("get", "/api/v1/referrals/abc", None, 422, ["path.referral_id"]),
        ("post", "/api/v1/referrals", {}, 422, ["assessment_id", "to_facility", "urgency", "reason"]),
        (
            "post",
            "/api/v1/assessments",
            {"patient": {"mrn": "X"}, "observations": [{"code": "spo2", "value": 186, "unit": "%"}]},
            422,
            ["observations[0]"],
        ),
        # sent without a Content-Type: the header is what is wrong (test_api_media_type)
        ("post", "/api/v1/patients", "not json", 415, ["header.Content-Type"]),
        # a key that is no name ("", "a b") names the object it is in (it named nothing: ": Extra ...")
        ("post", "/api/v1/patients", {"mrn": "X", "": 1}, 422, ["body"]),
        (
            "post",
            "/api/v1/assessments",
            {"patient": {"mrn": "X", "a b": 1}, "observations": [{"code": "spo2", "value": 97, "unit": "%"}]},
            422,
            ["patient"],
        ),
        ("get", "/api/v1/referrals?a%20b=1", None, 422, ["query"]),
        ("get", "/api/v1/referrals?=1", None, 422, ["query"]),
        # a swapped pair of pressures names both readings' values (it named none)
        (
            "post",
            "/api/v1/assessments",
            {
                "patient": {"mrn": "X"},
                "observations": [
                    {"code": "sbp", "value": 80, "unit": "mm[Hg]"},
                    {"code": "dbp", "value": 120, "unit": "mm[Hg]"},
                ],
            },
            422,
            ["observations[0].value", "observations[1].value"],
        ),
        # a record the body names: its field
        (
            "post",
            "/api/v1/referrals",
            {"assessment_id": 999, "to_facility": "county-hospital", "urgency": "urgent", "reason": "r"},
            404,
            ["assessment_id"],
        ),
        ("post", "/api/v1/encounters", {"mrn": "NOPE"}, 404, ["mrn"]),
        ("post", "/api/v1/tokens", {"username": "ghost", "label": "x"}, 404, ["username"]),
        # the path's own record, the path itself, a method: none
        ("get", "/api/v1/referrals/999", None, 404, None),
        (
            "post",
            "/api/v1/assessments/999/overrides",
            {"disposition": "local_care", "reason": "x"},
            404,
            None,
        ),
        ("post", "/api/v1/nothing", {}, 404, None),
        ("delete", "/api/v1/referrals", None, 405, None),
    ],
)
def test_a_refusal_names_where_the_input_is(
    refusing_staff: Staff, method: str, path: str, body: Any, status: int, fields: list[str] | None
) -> None:
    staff = refusing_staff
    sent: dict[str, Any] = (
        {"content": body} if isinstance(body, str) else {} if body is None else {"json": body}
    )
    answer = getattr(staff.client, method)(path, headers=staff.bearer(Role.admin), **sent)
    assert _refused(answer, status).get("fields") == fields, answer.text


def test_a_body_reference_to_a_device_association_names_encounter_id(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    answer = staff.client.post(
        "/api/v1/devices/nonin-oximeter/association",
        json={"encounter_id": 999},
        headers=staff.bearer(Role.nurse),
    )
    refused = _refused(answer, 404)
    assert refused["fields"] == ["encounter_id"] and refused["error"].startswith(
        "encounter_id: encounter 999"
    ), refused


def test_an_unknown_facility_names_to_facility_and_a_conflict_names_nothing(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor).json()
    referral = {"assessment_id": made["id"], "to_facility": "nowhere", "urgency": "urgent", "reason": "r"}
    unknown = _refused(staff.client.post("/api/v1/referrals", json=referral, headers=doctor), 422)
    assert unknown["code"] == "unknown_facility" and unknown["fields"] == ["to_facility"], unknown
    assert unknown["error"].startswith('to_facility: "nowhere" is not in the facility directory'), unknown
    referral["to_facility"] = "county-hospital"
    assert staff.client.post("/api/v1/referrals", json=referral, headers=doctor).status_code == 201
    again = _refused(staff.client.post("/api/v1/referrals", json=referral, headers=doctor), 409)
    assert again["code"] == "open_referral_exists" and "fields" not in again, again


def test_a_key_that_is_no_name_is_said_quoted_in_the_object_it_is_in(staff: Staff) -> None:
    for body, said in (
        ({"mrn": "X", "": 1}, 'body: unknown field ""'),
        ({"mrn": "X", "x.y": 1}, 'body: unknown field "x.y"'),
    ):
        answer = staff.client.post("/api/v1/patients", json=body, headers=staff.bearer(Role.admin))
        assert _refused(answer, 422)["error"] == said, answer.text


def test_a_query_parameter_that_is_no_name_is_said_quoted(staff: Staff) -> None:
    for query, said in (("x.y=1", '"x.y"'), ("=1", '""'), ("limit%00=1", '"limit\\u0000"')):
        answer = staff.client.get(f"/api/v1/referrals?{query}", headers=staff.bearer(Role.admin))
        assert _refused(answer, 422)["error"].startswith(f"query: {said} is an unknown parameter; GET"), (
            answer.text
        )


def test_the_sentence_tail_after_a_semicolon_names_no_field() -> None:
    assert fields_in("body: empty; send the JSON document with Content-Type: application/json") == ["body"]
    assert fields_in("referral 999 not found") == []
    assert fields_in("observations[0].value, observations[1].value: dbp 120 is not below sbp 80") == [
        "observations[0].value",
        "observations[1].value",
    ]
    assert fields_in("one, two words: no") == []
    assert (
        fields_in('a referral cannot go from "proposed" to "accepted"; allowed from "proposed": sent') == []
    )
