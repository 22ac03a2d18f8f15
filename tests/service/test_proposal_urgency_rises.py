"""Triage's referral proposal follows its visit's decision up: proposed as urgent on a severe
pressure, then an emergency transfer decided on a new confusion (responds only to voice), the proposal stayed
"urgent" (one proposal per visit, and an open one stopped the pipeline). Through the real device
pipeline (``DevicePipeline.assess_patient``, as a device's results reach it) over a real SQLite
file: the open, unsent proposal is raised, with the emergency's reasons and an audit entry saying
why; never lowered; a referral a clinician sent is left as it is."""

from __future__ import annotations

from typing import Any

from referral import audit, audit_rows, referrals, store
from tests.service.conftest import Staff
from triage.observation import Observation
from triage.service.auth import Role
from triage.service.pipeline import DevicePipeline


def _readings(staff: Staff, tag: str, **values: float | str) -> list[Observation]:
    now = staff.app.state.runtime.clock.now().isoformat()
    units = {"sbp": "mm[Hg]", "dbp": "mm[Hg]", "spo2": "%", "heart_rate": "/min"}
    return [
        Observation.create(
            code, value, units.get(code), observed_at=now, device="bench", source_message_id=f"{tag}:{code}"
        )
        for code, value in values.items()
    ]


def _visit(staff: Staff, mrn: str) -> tuple[DevicePipeline, Any, dict[str, Any]]:
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    pipeline = DevicePipeline(runtime, runtime.extras["clinic"])
    first = pipeline.assess_patient(db, mrn, _readings(staff, f"{mrn}-1", sbp=186, dbp=112, heart_rate=80))
    assert first["disposition"] == "urgent_referral", first["disposition"]
    (proposal,) = referrals.open_referrals(db, int(first["encounter_id"]))
    assert (proposal["status"], proposal["urgency"]) == ("proposed", "urgent")
    return pipeline, db, proposal


def test_an_unsent_proposal_is_raised_when_the_decision_rises(staff: Staff) -> None:
    pipeline, db, proposal = _visit(staff, "RISES-1")
    worse = pipeline.assess_patient(db, "RISES-1", _readings(staff, "RISES-1-2", consciousness="V"))
    assert worse["disposition"] == "emergency_transfer"
    (raised,) = referrals.open_referrals(db, int(worse["encounter_id"]))
    assert raised["id"] == proposal["id"], "the same proposal, not a second one"
    assert (raised["status"], raised["urgency"]) == ("proposed", "emergency")
    assert raised["assessment_id"] == worse["id"] and "altered_consciousness" in raised["reason"]
    entry = [
        e
        for e in audit.entries_for(db, "referral", proposal["id"])
        if e["action"] == "referral.urgency_raised"
    ]
    assert len(entry) == 1
    assert "emergency_transfer" in entry[0]["reason"] and "urgent" in entry[0]["reason"]
    assert audit_rows.verify_rows(db).ok, "verify-audit replays the raised proposal"
    # a later, milder decision never lowers it
    milder = pipeline.assess_patient(db, "RISES-1", _readings(staff, "RISES-1-3", consciousness="A"))
    assert milder["disposition"] == "urgent_referral"
    assert referrals.get_referral(db, proposal["id"])["urgency"] == "emergency"


def test_a_referral_a_clinician_sent_is_left_as_it_is(staff: Staff) -> None:
    pipeline, db, proposal = _visit(staff, "RISES-2")
    referrals.transition(db, proposal["id"], "sent", actor="clinician", note="confirmed")
    pipeline.assess_patient(db, "RISES-2", _readings(staff, "RISES-2-2", consciousness="V"))
    kept = referrals.get_referral(db, proposal["id"])
    assert (kept["status"], kept["urgency"], kept["assessment_id"]) == (
        "sent",
        "urgent",
        proposal["assessment_id"],
    )


def test_a_proposal_names_the_rules_whose_action_applies_not_the_supporting_ones(staff: Staff) -> None:
    """194/118 mmHg with chest pain: the proposal read "hypertensive emergency; BP >180 ... refer
    urgently; ..." - the lower pressure rules only support the emergency (``deferred_to``)."""
    visit = {
        "patient": {"mrn": "RISES-3", "sex": "female"},
        "age_years": 58,
        "observations": [
            {"code": "sbp", "value": 194, "unit": "mmHg"},
            {"code": "dbp", "value": 118, "unit": "mmHg"},
        ],
        "context": {"acute_symptoms": ["chest_pain"]},
    }
    made = staff.client.post("/api/v1/assessments", json=visit, headers=staff.bearer(Role.nurse)).json()
    supporting = {r["rule"] for r in made["assessment"]["reasons"] if "deferred_to" in r["values"]}
    assert supporting
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    proposed = DevicePipeline(runtime, runtime.extras["clinic"]).propose_referral(
        db, store.get_assessment(db, int(made["id"]))
    )
    assert proposed is not None
    named = proposed["reason"].removeprefix("proposed by triage: ").split("; ")
    assert named[0] == "hypertensive_emergency" and not supporting & set(named), named
