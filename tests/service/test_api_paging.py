"""Paging the API's lists: a cursor (``before_id``) that is stable while rows arrive, the total and
the next page in the headers (``X-Total-Count``, ``Link`` rel="next") for every list, and in the
body (``total``, ``next``) for the lists answered as an object.

The referral list could not go past its newest 500 rows: ``limit`` was capped, ``offset`` refused,
and nothing said more existed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.service.conftest import WALK_IN, Staff
from tests.service.test_held_results import lab_message, lab_result
from triage.service.auth import Role


def _walk_in(staff: Staff, mrn: str) -> dict[str, Any]:
    body = copy.deepcopy(WALK_IN) | {"patient": WALK_IN["patient"] | {"mrn": mrn}}
    answer = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.clinician))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _referral(staff: Staff, mrn: str) -> int:
    body = {
        "assessment_id": _walk_in(staff, mrn)["id"],
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "SpO2 86 % on air",
    }
    created = staff.client.post("/api/v1/referrals", json=body, headers=staff.bearer(Role.clinician))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _follow(staff: Staff, url: str, role: Role = Role.clinician) -> tuple[list[list[Any]], list[int]]:
    """Every page from ``url`` on by the ``Link`` headers: the rows of each page, each X-Total-Count."""
    pages, totals = [], []
    next_url: str | None = url
    while next_url is not None:
        answer = staff.client.get(next_url, headers=staff.bearer(role))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body if isinstance(body, list) else body["data"])
        totals.append(int(answer.headers["X-Total-Count"]))
        next_url = answer.links.get("next", {}).get("url")
        if isinstance(body, dict):
            assert body["next"] == next_url and body["total"] == totals[-1], body
        assert len(pages) < 20, "the pages never end"
    return pages, totals


def test_the_referral_list_pages_past_its_limit_and_a_new_referral_shifts_no_page(staff: Staff) -> None:
    made = [_referral(staff, f"PG-{n}") for n in range(5)]
    doctor = staff.bearer(Role.clinician)
    first = staff.client.get("/api/v1/referrals", params={"limit": 2}, headers=doctor)
    assert [r["id"] for r in first.json()] == made[:-3:-1], first.text
    assert first.headers["X-Total-Count"] == "5"
    following = first.links["next"]["url"]
    assert following == f"/api/v1/referrals?limit=2&before_id={made[3]}", following
    newer = _referral(staff, "PG-late")  # arrives while the client pages: no row comes twice
    pages, totals = _follow(staff, following)
    assert [[r["id"] for r in page] for page in pages] == [[made[2], made[1]], [made[0]]]
    assert totals == [6, 6]
    newest = staff.client.get("/api/v1/referrals", params={"limit": 1}, headers=doctor).json()
    assert [r["id"] for r in newest] == [newer]


def test_the_referral_pages_keep_their_filters_and_the_total_counts_what_matches(staff: Staff) -> None:
    made = [_referral(staff, f"PF-{n}") for n in range(3)]
    sent = staff.client.post(
        f"/api/v1/referrals/{made[0]}/status", json={"status": "sent"}, headers=staff.bearer(Role.clinician)
    )
    assert sent.status_code == 200, sent.text
    pages, totals = _follow(staff, "/api/v1/referrals?status=proposed&limit=1")
    assert [[r["id"] for r in page] for page in pages] == [[made[2]], [made[1]]]
    assert totals == [2, 2]
    last = staff.client.get(
        "/api/v1/referrals", params={"status": "sent"}, headers=staff.bearer(Role.clinician)
    )
    assert "Link" not in last.headers and last.headers["X-Total-Count"] == "1", last.headers


@pytest.mark.parametrize("path", ["/api/v1/referrals", "/api/v1/patients", "/api/v1/devices/held"])
@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5", str(2**63)])
def test_a_bad_cursor_is_422_naming_before_id(refusing_staff: Staff, path: str, value: str) -> None:
    staff = refusing_staff
    answer = staff.client.get(path, params={"before_id": value}, headers=staff.bearer(Role.admin))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith("query.before_id: "), answer.text


def test_the_patient_list_pages_by_cursor_with_total_and_next_and_keeps_count(staff: Staff) -> None:
    for n in range(5):
        _walk_in(staff, f"PP-{n}")
    pages, totals = _follow(staff, "/api/v1/patients?limit=2")
    ids = [[p["id"] for p in page] for page in pages]
    assert [len(page) for page in ids] == [2, 2, 1] and totals == [5, 5, 5]
    flat = [i for page in ids for i in page]
    assert flat == sorted(flat, reverse=True) and len(set(flat)) == 5
    # earlier clients: count is still every patient, offset still pages
    body = staff.client.get("/api/v1/patients?limit=2&offset=4", headers=staff.bearer(Role.nurse)).json()
    assert body["count"] == 5 and [p["id"] for p in body["data"]] == [flat[4]] and body["next"] is None


def test_the_queue_says_how_many_the_day_has_and_pages_by_offset(staff: Staff) -> None:
    for n in range(3):
        _walk_in(staff, f"PQ-{n}")
    whole = staff.client.get("/api/v1/queue", headers=staff.bearer(Role.nurse))
    assert whole.headers["X-Total-Count"] == "3" and "Link" not in whole.headers
    pages, totals = _follow(staff, "/api/v1/queue?limit=2", Role.nurse)
    assert [[q["encounter_id"] for q in page] for page in pages] == [
        [q["encounter_id"] for q in whole.json()[:2]],
        [whole.json()[2]["encounter_id"]],
    ]
    assert totals == [3, 3]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/facilities",
        "/api/v1/devices",
        "/api/v1/users",
        "/api/v1/devices/associations",
        "/api/v1/devices/held",
        "/api/v1/patients/{patient_id}/corrections",
    ],
)
def test_every_list_answers_its_total(staff: Staff, path: str) -> None:
    if "{patient_id}" in path:
        _walk_in(staff, "PT-1")
        newest = staff.client.get("/api/v1/patients?limit=1", headers=staff.bearer(Role.admin)).json()
        path = path.format(patient_id=newest["data"][0]["id"])
    answer = staff.client.get(path, headers=staff.bearer(Role.admin))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = body if isinstance(body, list) else body["data"]
    assert answer.headers["X-Total-Count"] == str(body["total"] if isinstance(body, dict) else len(rows))


def test_the_document_declares_the_paging_headers_and_the_cursor(staff: Staff) -> None:
    document = staff.client.get("/openapi.json").json()
    for path in ("/api/v1/referrals", "/api/v1/patients", "/api/v1/devices/held", "/api/v1/queue"):
        operation = document["paths"][path]["get"]
        assert set(operation["responses"]["200"]["headers"]) == {"X-Total-Count", "Link", "ETag"}, path
        assert "content" in operation["responses"]["200"], path  # the body's schema is kept
        if path != "/api/v1/queue":
            assert "before_id" in {p["name"] for p in operation["parameters"]}, path
    for path in ("/api/v1/facilities", "/api/v1/users", "/api/v1/devices/associations"):
        assert "X-Total-Count" in document["paths"][path]["get"]["responses"]["200"]["headers"], path


def test_held_results_page_by_cursor_and_a_result_held_meanwhile_shifts_no_page(staff: Staff) -> None:
    made = lab_message(staff, *(lab_result("XGLU", code=None, sample=f"H{n}") for n in range(3)))
    first = staff.client.get("/api/v1/devices/held?limit=2&offset=0", headers=staff.bearer(Role.nurse))
    assert [r["id"] for r in first.json()["data"]] == made[:0:-1], first.text
    assert first.json()["next"] == f"/api/v1/devices/held?limit=2&before_id={made[1]}"
    lab_message(staff, lab_result("XGLU", code=None, sample="H-late"))
    pages, totals = _follow(staff, first.json()["next"], Role.nurse)
    assert [[r["id"] for r in page] for page in pages] == [[made[0]]] and totals == [4]
