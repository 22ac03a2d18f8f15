"""`triage devices associations close-encounter --json` names the referrals the close leaves open
(``proposed_referrals``, as ``POST /api/v1/encounters/{id}/close`` answers since 5c525f60): a
script closing a visit was not told of a proposal still waiting for a clinician to send or cancel
it; the text output says so too. Real SQLite file, the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from referral import referrals
from referral.records import ReferralIn
from referral.schema import connect

from .test_associations_cli import log as log  # the fixture: a clinic log with patients seen today
from .test_closure_cli import close_visit, encounter_of


def _propose(log: Path, mrn: str) -> int:
    db = connect(log)
    assessment = db.conn.execute(
        "SELECT a.id FROM assessments a JOIN encounters e ON e.id = a.encounter_id"
        " JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ?",
        [mrn],
    ).fetchone()[0]
    made = ReferralIn(assessment_id=assessment, to_facility="ZJ-S01", urgency="urgent", reason="chest pain")
    referral_id = int(referrals.create_referral(db, made, actor="dr_zhao")["id"])
    db.close()
    return referral_id


def test_the_close_names_the_proposals_it_leaves_open(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proposed = _propose(log, "MRN-1")
    encounter = encounter_of(log, "MRN-1")
    code, out, err = close_visit(capsys, log, encounter, "went home", "--without-referral", "--json")
    assert (code, err) == (0, ""), err
    closed = json.loads(out)
    assert closed["proposed_referrals"] == [proposed]
    assert closed["encounter"]["id"] == encounter and closed["ended_associations"] == []
    # a visit with no referral names none
    other = encounter_of(log, "MRN-2")
    code, out, err = close_visit(capsys, log, other, "went home", "--without-referral", "--json")
    assert (code, err) == (0, "") and json.loads(out)["proposed_referrals"] == []


def test_the_text_names_the_proposals_it_leaves_open(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proposed = _propose(log, "MRN-1")
    code, out, err = close_visit(capsys, log, encounter_of(log, "MRN-1"), "went home", "--without-referral")
    assert (code, err) == (0, ""), err
    assert f"left open (proposed, not sent): referral {proposed}" in out
