"""The worklist of referrals awaiting a basis review: ``GET /api/v1/referrals?basis_review_needed=``
and ``triage referrals list --basis-review-needed`` on the real service and a real SQLite file.

The filter runs in SQL before ``LIMIT``: asking for one referral awaiting review finds it even when
newer referrals without a pending review would fill the limit.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result, rows
from tests.service.test_referral_basis import API, cli, keep, proposed_on
from triage.service.auth import Role


def listed(staff: Staff, query: str, role: Role = Role.analyst) -> Any:
    response = staff.client.get(f"{API}?{query}", headers=staff.bearer(role))
    assert response.status_code == 200, response.text
    return response.json()


def ids(found: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in found]


def flagged_and_newer(staff: Staff, newer: int = 3) -> tuple[int, list[int]]:
    """The pipeline's referral on glucose 28.0, flagged by the lab's correction to 8.2, then
    ``newer`` referrals made from the re-assessment (their basis is the corrected value: not
    flagged); returns (the flagged id, the newer ids oldest first)."""
    flagged, _ = proposed_on(staff, "28.0")
    deliver(staff, result("8.2", "corrected"))
    (latest,) = rows(staff, "SELECT id FROM assessments ORDER BY id DESC LIMIT 1")
    made = []
    for number in range(newer):
        response = staff.client.post(
            API,
            json={
                "assessment_id": latest["id"],
                "to_facility": "county-hospital",
                "urgency": "routine",
                "reason": f"follow-up {number}",
                "alongside_open": True,  # the flagged referral is still open
            },
            headers=staff.bearer(Role.clinician),
        )
        assert response.status_code == 201, response.text
        made.append(int(response.json()["id"]))
    return flagged, made


def test_the_api_lists_only_flagged_or_only_unflagged_referrals(staff: Staff) -> None:
    flagged, newer = flagged_and_newer(staff)
    assert ids(listed(staff, "")) == [*newer[::-1], flagged]
    waiting = listed(staff, "basis_review_needed=true")
    assert ids(waiting) == [flagged] and waiting[0]["basis_review_needed"] is True
    others = listed(staff, "basis_review_needed=false")
    assert ids(others) == newer[::-1] and not any(r["basis_review_needed"] for r in others)
    # with the status filter: both apply
    assert ids(listed(staff, "status=proposed&basis_review_needed=true")) == [flagged]
    assert listed(staff, "status=sent&basis_review_needed=true") == []

    # The limit counts the referrals that match: the flagged one is the oldest, yet found.
    assert ids(listed(staff, "basis_review_needed=true&limit=1")) == [flagged]
    assert ids(listed(staff, "basis_review_needed=false&limit=2")) == newer[:0:-1]

    # Reviewed: it leaves the worklist and joins the others.
    assert keep(staff, flagged).status_code == 200
    assert listed(staff, "basis_review_needed=true") == []
    assert ids(listed(staff, "basis_review_needed=false")) == [*newer[::-1], flagged]


def test_a_bad_filter_value_is_a_clear_error(staff: Staff) -> None:
    response = staff.client.get(f"{API}?basis_review_needed=maybe", headers=staff.bearer(Role.clinician))
    assert response.status_code == 422
    assert "basis_review_needed" in response.json()["error"], response.text


def test_the_filter_is_documented_in_the_openapi_schema(staff: Staff) -> None:
    operation = staff.client.get("/openapi.json").json()["paths"]["/api/v1/referrals"]["get"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "basis_review_needed"]
    assert "nobody has reviewed" in parameter["description"] and "before `limit`" in parameter["description"]


def test_the_cli_lists_the_worklist(staff: Staff, capsys: pytest.CaptureFixture[str]) -> None:
    flagged, newer = flagged_and_newer(staff, newer=2)
    code, out, _ = cli(capsys, staff, "list", "--basis-review-needed", "--limit", "1", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["data"]] == [flagged]
    code, out, _ = cli(capsys, staff, "list", "--no-basis-review-needed", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)["data"]] == newer[::-1]
    code, out, _ = cli(capsys, staff, "list", "--basis-review-needed")
    (line,) = out.splitlines()[1:]
    assert code == 0 and line.split()[0] == str(flagged) and line.endswith("REVIEW NEEDED")
    code, out, _ = cli(capsys, staff, "list", "--status", "sent", "--basis-review-needed")
    assert (code, out) == (0, "no referrals with status sent awaiting a basis review\n")


@pytest.mark.parametrize("lax", ["1", "0", "yes", "no", "on", "off", "t", "f", "y", "n", ""])
def test_the_filter_takes_true_or_false_only_as_a_json_body_does(staff: Staff, lax: str) -> None:
    """pydantic read 1, yes, on as true and 0, no, off as false without a word; a JSON body's
    yes/no field takes true or false only (docs/service.md, 'The API does not guess')."""
    response = staff.client.get(
        API, params={"basis_review_needed": lax}, headers=staff.bearer(Role.clinician)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == f'query.basis_review_needed: must be true or false (got "{lax}")'


@pytest.mark.parametrize(("given", "flagged_only"), [("true", True), ("false", False)])
def test_true_and_false_are_read_in_lower_case(staff: Staff, given: str, flagged_only: bool) -> None:
    flagged, newer = flagged_and_newer(staff, newer=1)
    response = staff.client.get(
        API, params={"basis_review_needed": given}, headers=staff.bearer(Role.clinician)
    )
    assert response.status_code == 200, response.text
    assert ids(response.json()) == ([flagged] if flagged_only else newer[::-1])


@pytest.mark.parametrize("other_case", ["True", "FALSE", "tRuE"])
def test_true_and_false_in_another_case_are_a_422_saying_lower_case(staff: Staff, other_case: str) -> None:
    """One rule, the JSON bodies': Python's requests sends a True parameter as "True", which was
    taken as true while "yes" was refused; such a client now hears how to send it."""
    response = staff.client.get(
        API, params={"basis_review_needed": other_case}, headers=staff.bearer(Role.clinician)
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == (
        "query.basis_review_needed: must be true or false in lower case, as JSON writes them"
        f' (got "{other_case}")'
    )
