"""A patient's encounters through the API (``GET /api/v1/patients/{id}/encounters``): every visit,
open and closed, newest first, paged as the other lists (``before_id``, ``X-Total-Count``, ``Link``
rel="next"). A client saw today's queue only: an earlier visit could not be found at all."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Staff
from tests.service.test_api_paging import _follow
from triage.service.auth import Role


def _patient(staff: Staff, mrn: str) -> int:
    created = staff.client.post(
        "/api/v1/patients", json={"mrn": mrn, "sex": "female"}, headers=staff.bearer(Role.nurse)
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _visits(staff: Staff, mrn: str, count: int) -> list[int]:
    """``count`` visits of the patient, each closed before the next opens (one open visit a day)."""
    nurse = staff.bearer(Role.nurse)
    made = []
    for _ in range(count):
        opened = staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=nurse)
        assert opened.status_code == 201, opened.text
        made.append(int(opened.json()["id"]))
        closed = staff.client.post(
            f"/api/v1/encounters/{made[-1]}/close", json={"reason": "discharged home"}, headers=nurse
        )
        assert closed.status_code == 200, closed.text
    return made


def _list(staff: Staff, patient_id: int, role: Role = Role.nurse, **query: Any) -> Any:
    return staff.client.get(
        f"/api/v1/patients/{patient_id}/encounters", params=query, headers=staff.bearer(role)
    )


def test_every_visit_of_the_patient_newest_first_and_no_one_else_s(staff: Staff) -> None:
    patient = _patient(staff, "EN-1")
    other = _patient(staff, "EN-2")
    mine = _visits(staff, "EN-1", 2)
    theirs = _visits(staff, "EN-2", 1)
    still_open = staff.client.post(
        "/api/v1/encounters", json={"mrn": "EN-1"}, headers=staff.bearer(Role.nurse)
    )
    mine.append(int(still_open.json()["id"]))
    answer = _list(staff, patient)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [e["id"] for e in body["data"]] == mine[::-1]
    assert {e["patient_id"] for e in body["data"]} == {patient}
    assert [e["closed_at"] is None for e in body["data"]] == [True, False, False]
    assert body["data"][1]["close_reason"] == "discharged home"
    assert body["total"] == 3 and body["next"] is None
    assert answer.headers["X-Total-Count"] == "3" and "Link" not in answer.headers
    assert [e["id"] for e in _list(staff, other).json()["data"]] == theirs


def test_the_pages_follow_the_cursor_and_a_new_visit_shifts_no_page(staff: Staff) -> None:
    patient = _patient(staff, "EN-P")
    made = _visits(staff, "EN-P", 5)
    first = _list(staff, patient, limit=2)
    assert [e["id"] for e in first.json()["data"]] == made[:-3:-1]
    following = first.links["next"]["url"]
    assert following == f"/api/v1/patients/{patient}/encounters?limit=2&before_id={made[3]}"
    assert first.json()["next"] == following
    newer = _visits(staff, "EN-P", 1)  # opened while the client pages: no row comes twice
    pages, totals = _follow(staff, following, Role.nurse)
    assert [[e["id"] for e in page] for page in pages] == [[made[2], made[1]], [made[0]]]
    assert totals == [6, 6]
    assert [e["id"] for e in _list(staff, patient, limit=1).json()["data"]] == newer


def test_a_patient_without_visits_has_an_empty_list_and_an_unknown_one_is_a_404(staff: Staff) -> None:
    patient = _patient(staff, "EN-0")
    empty = _list(staff, patient)
    assert empty.status_code == 200 and empty.json() == {"data": [], "total": 0, "next": None}
    missing = _list(staff, patient + 1000)
    assert missing.status_code == 404, missing.text
    assert missing.json()["error"] == f"patient {patient + 1000} not found"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 1001}, "query.limit"),
        ({"before_id": 0}, "query.before_id"),
        ({"before_id": "x"}, "query.before_id"),
        ({"offset": 5}, "query.offset: unknown parameter"),
    ],
)
def test_bad_paging_is_a_422_naming_the_parameter(staff: Staff, query: dict[str, Any], named: str) -> None:
    answer = _list(staff, _patient(staff, "EN-B"), **query)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith(named), answer.text


def test_a_bad_patient_id_is_a_422_naming_it(staff: Staff) -> None:
    for bad in ("0", "x", str(2**63)):
        answer = staff.client.get(f"/api/v1/patients/{bad}/encounters", headers=staff.bearer(Role.nurse))
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"].startswith("path.patient_id"), answer.text


def test_the_roles_that_read_patients_read_their_visits(staff: Staff) -> None:
    patient = _patient(staff, "EN-R")
    _visits(staff, "EN-R", 1)
    for role in (Role.clinician, Role.nurse, Role.admin):
        assert len(_list(staff, patient, role).json()["data"]) == 1, role
        assert staff.client.get(f"/api/v1/patients/{patient}", headers=staff.bearer(role)).status_code == 200
    for role in (Role.integrator, Role.analyst):  # they may not read the patient either
        assert _list(staff, patient, role).status_code == 403, role
        assert staff.client.get(f"/api/v1/patients/{patient}", headers=staff.bearer(role)).status_code == 403
    assert staff.client.get(f"/api/v1/patients/{patient}/encounters").status_code == 401


def test_the_openapi_document_declares_the_list_and_its_paging_headers(staff: Staff) -> None:
    operation = staff.client.get("/openapi.json").json()["paths"]["/api/v1/patients/{patient_id}/encounters"]
    answer = operation["get"]["responses"]["200"]
    assert set(answer["headers"]) == {"X-Total-Count", "Link", "ETag"}
    asked = {p["name"] for p in operation["get"]["parameters"] if p["in"] != "header"}
    assert asked == {"patient_id", "limit", "before_id"}
