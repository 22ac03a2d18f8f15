"""A clinician's decision with a reason is always on record, also when it keeps the disposition
the engine (or an earlier override) gave: confirming "urgent referral" after seeing the patient is
a clinical decision the audit trail must show, with who, why and what was in force before."""

from __future__ import annotations

import sqlite3

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def _audit(staff: Staff, assessment_id: int) -> list[tuple[str, str, str]]:
    path = staff.app.state.runtime.databases.get().conn.execute("PRAGMA database_list").fetchone()[2]
    with sqlite3.connect(path) as db:  # the file itself, as an auditor reads it
        return db.execute(
            "SELECT action, reason, data FROM audit WHERE entity = 'assessment' AND entity_id = ?"
            " AND action = 'assessment.override' ORDER BY seq",
            [str(assessment_id)],
        ).fetchall()


def test_a_confirmation_of_the_same_disposition_is_recorded_from_the_api_and_the_page(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse)).json()
    engine = made["disposition"]
    same = staff.client.post(
        f"/api/v1/assessments/{made['id']}/overrides",
        json={"disposition": engine, "reason": "seen: agree, send now"},
        headers=staff.bearer(Role.clinician),
    )
    assert same.status_code == 201, same.text
    assert same.json()["disposition"] == engine
    csrf = staff.login(Role.clinician)
    page = staff.client.post(
        f"/assessments/{made['id']}/override",
        data={"csrf_token": csrf, "disposition": engine, "reason": "second look: still agree"},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    rows = _audit(staff, made["id"])
    assert [(action, reason) for action, reason, _ in rows] == [
        ("assessment.override", "seen: agree, send now"),
        ("assessment.override", "second look: still agree"),
    ]
    assert all(f'"from":"{engine}"' in data and f'"to":"{engine}"' in data for _, _, data in rows)
    html = staff.client.get(f"/encounters/{made['encounter_id']}").text
    assert html.count('<li class="override">') == 2
    assert "seen: agree, send now" in html and "second look: still agree" in html


def test_the_trail_says_which_decision_an_override_replaced(staff: Staff) -> None:
    """Engine urgent; doctor A: local care; doctor B: back to urgent. The trail said B changed
    'urgent_referral -> urgent_referral' (the engine's, not the decision in force): B's reversal of
    A read as a no-op confirmation."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse)).json()
    engine = made["disposition"]
    doctor = staff.bearer(Role.clinician)
    for disposition, reason in (("local_care", "known COPD baseline"), (engine, "worse on review")):
        done = staff.client.post(
            f"/api/v1/assessments/{made['id']}/overrides",
            json={"disposition": disposition, "reason": reason},
            headers=doctor,
        )
        assert done.status_code == 201, done.text
    first, second = [data for _, _, data in _audit(staff, made["id"])]
    assert f'"from":"{engine}"' in first and '"to":"local_care"' in first
    assert '"from":"local_care"' in second and f'"to":"{engine}"' in second
    assert f'"engine":"{engine}"' in first and f'"engine":"{engine}"' in second
