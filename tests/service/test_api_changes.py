"""The change feeds (``/api/v1/changes/...``): a client keeping a copy of the referrals, visits and
assessments reads only what changed since its cursor, and misses nothing written while it pages
(a real SQLite file; the writes land between the pages)."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Staff
from tests.service.test_api_encounter_decisions import statements  # noqa: F401 (a fixture)
from tests.service.test_api_paging import _referral as _refer
from tests.service.test_api_paging import _walk_in
from triage.service.api.changes import _ASSESSMENTS, _ENCOUNTERS, _REFERRALS, count_changed
from triage.service.auth import Role


def _get(staff: Staff, url: str) -> dict[str, Any]:
    answer = staff.client.get(url, headers=staff.bearer(Role.clinician))
    assert answer.status_code == 200, answer.text
    body = dict(answer.json())
    assert answer.links.get("next", {}).get("url") == body["next"], body
    assert int(answer.headers["X-Total-Count"]) == body["total"], body
    return body


def _sync(staff: Staff, kind: str, cursor: int, copy_: dict[int, Any], between: Any = None) -> int:
    """Read every page of a feed after ``cursor`` into ``copy_`` (id -> row); ``between`` runs
    after the first page. Returns the cursor to keep."""
    key = kind.rstrip("s")
    url: str | None = f"/api/v1/changes/{kind}?after={cursor}&limit=2"
    pages = 0
    while url is not None:
        body = _get(staff, url)
        seqs = [item["seq"] for item in body["data"]]
        assert seqs == sorted(seqs) and all(s > cursor for s in seqs), body
        for item in body["data"]:
            copy_[item[key]["id"]] = item[key]
        cursor, url = body["cursor"], body["next"]
        pages += 1
        if pages == 1 and between is not None:
            between()
        assert pages < 20, "the pages never end"
    return cursor


def test_a_sync_client_misses_no_referral_changed_or_made_between_its_pages(staff: Staff) -> None:
    made = [_refer(staff, f"CH-{n}") for n in range(3)]
    doctor = staff.bearer(Role.clinician)

    def meanwhile() -> None:
        # a referral the client already has changes, and a new one is made, while it pages
        sent = staff.client.post(
            f"/api/v1/referrals/{made[0]}/status", json={"status": "sent"}, headers=doctor
        )
        assert sent.status_code == 200, sent.text
        made.append(_refer(staff, "CH-late"))

    mine: dict[int, Any] = {}
    cursor = _sync(staff, "referrals", 0, mine, meanwhile)
    assert sorted(mine) == sorted(made)
    assert mine[made[0]]["status"] == "sent"  # the change on the page already read came again

    # the next sync reads only what changed since, and nothing when nothing did
    polled = _get(staff, f"/api/v1/changes/referrals?after={cursor}")
    assert polled | {"cursor": cursor} == {
        "data": [],
        "total": 0,
        "next": None,
        "cursor": cursor,
        "cursor_hash": polled["cursor_hash"],
    }
    staff.client.post(
        f"/api/v1/referrals/{made[1]}/status",
        json={"status": "cancelled", "note": "went home"},
        headers=doctor,
    )
    changed = _get(staff, f"/api/v1/changes/referrals?after={cursor}")
    assert [(i["referral"]["id"], i["referral"]["status"], i["action"]) for i in changed["data"]] == [
        (made[1], "cancelled", "referral.cancelled")
    ]
    assert changed["cursor"] > cursor


def test_visits_and_assessments_come_again_when_an_override_or_a_close_changes_them(staff: Staff) -> None:
    first = _walk_in(staff, "CV-1")
    _walk_in(staff, "CV-2")
    visits: dict[int, Any] = {}
    assessments: dict[int, Any] = {}
    visit_cursor = _sync(staff, "encounters", 0, visits)
    assessment_cursor = _sync(staff, "assessments", 0, assessments)
    assert len(visits) == 2 and len(assessments) == 2
    assert visits[first["encounter_id"]]["assessment_id"] == first["id"]

    overridden = staff.client.post(
        f"/api/v1/assessments/{first['id']}/overrides",
        json={"disposition": "local_care", "reason": "seen, improving"},
        headers=staff.bearer(Role.clinician),
    )
    assert overridden.status_code == 201, overridden.text
    after = _get(staff, f"/api/v1/changes/assessments?after={assessment_cursor}")
    assert [(i["assessment"]["id"], i["final_disposition"], i["action"]) for i in after["data"]] == [
        (first["id"], "local_care", "assessment.override")
    ]
    visit = _get(staff, f"/api/v1/changes/encounters?after={visit_cursor}")["data"]
    assert [
        (v["encounter"]["id"], v["encounter"]["disposition"], v["encounter"]["overridden"]) for v in visit
    ] == [(first["encounter_id"], "local_care", True)]


def test_a_bad_cursor_is_a_422_naming_after(staff: Staff) -> None:
    answer = staff.client.get("/api/v1/changes/referrals?after=-1", headers=staff.bearer(Role.clinician))
    assert answer.status_code == 422 and answer.json()["error"].startswith("query.after:"), answer.text


def test_a_page_reads_the_trail_from_the_cursor_on_not_the_kinds_whole_history(staff: Staff) -> None:
    # a sync poll after a cursor near the end of a long trail read every entry of the kind, grouped
    # and sorted (400,000 entries: 365 ms a page, 27 ms near the end; now under 1 ms for the page)
    db = staff.app.state.runtime.databases.get()
    for source in (_REFERRALS, _ENCOUNTERS, _ASSESSMENTS):
        plan = [row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {source.page}", {"after": 0, "n": 1})]
        assert plan[0] == "SEARCH a USING INTEGER PRIMARY KEY (rowid>?)", plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_total_is_counted_only_for_a_cut_page_and_then_from_the_cursor_on(
    staff: Staff,
    statements: list[str],  # noqa: F811 (the fixture imported above)
) -> None:
    # the total read every entry of the kind (its whole history: 12-36 ms at 400,000 entries) on
    # every page, also for a poll whose page holds everything changed since its cursor
    made = [_refer(staff, f"CT-{n}") for n in range(3)]
    statements.clear()
    whole = _get(staff, "/api/v1/changes/referrals?after=0&limit=5")
    assert whole["total"] == 3 and whole["next"] is None, whole
    assert not [s for s in statements if "count(" in s], statements  # the page is the total

    statements.clear()
    cut = _get(staff, "/api/v1/changes/referrals?after=0&limit=2")
    assert cut["total"] == 3 and cut["next"] is not None, cut
    (counted,) = [s for s in statements if "count(" in s]
    db = staff.app.state.runtime.databases.get()
    plan = [row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {counted}")]
    assert plan[0] == "SEARCH a USING INTEGER PRIMARY KEY (rowid>?)", plan  # from the cursor on
    for source in (_REFERRALS, _ENCOUNTERS, _ASSESSMENTS):
        # the two counts agree: by the entity index (far behind the end) and from the cursor on
        for after in (0, cut["cursor"]):
            assert (
                count_changed(db, source, after)
                == db.conn.execute(source.total, {"after": after}).fetchone()[0]
            )
    assert sorted(i["referral"]["id"] for i in cut["data"]) == sorted(made)[:2]
