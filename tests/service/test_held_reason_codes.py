"""The held worklist's API says why triage did not accept a result as a code (``not_accepted_code``,
stored by the real pipeline on a real SQLite file) beside its English ``not_accepted``, and lists
only the results held for one reason with ``?reason=`` (a why or a not-accepted code); an unknown
reason is a 422 naming the parameter and every code."""

from __future__ import annotations

from typing import Any

from referral.inbox import NOT_ACCEPTED_CODES, NewDeviceResult, mark_delivered
from referral.review import REASONS
from tests.service.conftest import Staff
from tests.service.test_corrections import RESULT_TIME, deliver
from triage.service.auth import Role

ANALYZER = "lab-analyzer"


def _result(
    vendor: str, code: str | None, value: str, unit: str, sample: str, **fields: Any
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=ANALYZER,
        sample_id=sample,
        vendor_code=vendor,
        result_time=RESULT_TIME,
        status=fields.get("status", "final"),
        is_qc=False,
        patient_id=fields.get("patient_id", "MRN-HELD"),
        code=code,
        value=value,
        value_num=float(value),
        unit=unit,
    )


def _held(staff: Staff, **params: Any) -> Any:
    response = staff.client.get("/api/v1/devices/held", params=params, headers=staff.bearer(Role.nurse))
    assert response.status_code == 200, response.text
    return response


def test_each_held_result_carries_its_code_and_the_list_narrows_to_a_reason(staff: Staff) -> None:
    (implausible,) = deliver(staff, _result("GLU", "glucose_random", "600", "mmol/L", "R1"))
    (wrong_unit,) = deliver(staff, _result("GLU", "glucose_random", "7.4", "g", "R2"))
    sbp, dbp = deliver(
        staff, _result("SYS", "sbp", "80", "mm[Hg]", "R3"), _result("DIA", "dbp", "140", "mm[Hg]", "R3")
    )
    (unmapped,) = deliver(staff, _result("XYZ", None, "1", "U", "R4"))
    (unlinked,) = deliver(staff, _result("GLU", "glucose_random", "6.1", "mmol/L", "R5", patient_id=None))
    mark_delivered(staff.app.state.runtime.databases.get(), [implausible, wrong_unit, sbp, dbp])

    everything = _held(staff).json()
    by_id = {row["id"]: row for row in everything["data"]}
    assert {i: (r["why"], r["not_accepted_code"]) for i, r in by_id.items()} == {
        implausible: (["not_accepted"], "implausible_value"),
        wrong_unit: (["not_accepted"], "unit_not_accepted"),
        sbp: (["not_accepted"], "pressures_swapped"),
        dbp: (["not_accepted"], "pressures_swapped"),
        unmapped: (["unmapped"], None),
        unlinked: (["no_patient_link"], None),
    }
    # the English sentence is unchanged for v1 clients
    assert by_id[implausible]["not_accepted"] == (
        "glucose_random: value 600 mmol/L is outside the plausible range 0.5-60 mmol/L"
    )
    assert everything["reason"] is None and everything["total"] == 6

    for reason, expected in (
        ("pressures_swapped", [dbp, sbp]),
        ("implausible_value", [implausible]),
        ("not_accepted", [dbp, sbp, wrong_unit, implausible]),
        ("unmapped", [unmapped]),
        ("no_patient_link", [unlinked]),
        ("value_not_accepted", []),
        ("device_clock", []),
    ):
        narrowed = _held(staff, reason=reason)
        body = narrowed.json()
        assert [row["id"] for row in body["data"]] == expected, reason
        assert body["reason"] == reason and body["total"] == len(expected), reason
        assert narrowed.headers["X-Total-Count"] == str(len(expected))
        assert body["by_device"] == ({ANALYZER: len(expected)} if expected else {}), reason

    # the next page keeps the reason
    first = _held(staff, reason="not_accepted", limit=3)
    assert [row["id"] for row in first.json()["data"]] == [dbp, sbp, wrong_unit]
    following = first.json()["next"]
    assert "reason=not_accepted" in following and f"before_id={wrong_unit}" in following
    rest = staff.client.get(following, headers=staff.bearer(Role.nurse)).json()
    assert [row["id"] for row in rest["data"]] == [implausible] and rest["next"] is None


def test_an_unknown_reason_is_a_422_naming_the_parameter_and_every_code(staff: Staff) -> None:
    for wrong in ("implausible", "NO_PATIENT_LINK", ""):
        refused = staff.client.get(
            "/api/v1/devices/held", params={"reason": wrong}, headers=staff.bearer(Role.nurse)
        )
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error.startswith("query.reason: "), error
        assert "\n" not in error and all(f'"{code}"' in error for code in REASONS), error


def test_the_openapi_document_lists_the_codes(staff: Staff) -> None:
    document = staff.client.get("/openapi.json").json()
    held = document["components"]["schemas"]["HeldOut"]["properties"]["not_accepted_code"]
    assert [s.get("enum") for s in held["anyOf"] if "enum" in s] == [list(NOT_ACCEPTED_CODES)]
    assert "implausible_value" in held["description"]
    (reason,) = [
        p for p in document["paths"]["/api/v1/devices/held"]["get"]["parameters"] if p["name"] == "reason"
    ]
    assert [s.get("enum") for s in reason["schema"]["anyOf"] if "enum" in s] == [list(REASONS)]
