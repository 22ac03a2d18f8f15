"""What reaches a regional analyst from a clinic's log names no member of staff, on a real SQLite file.

The clinic-facing referral exports (`triage referrals export --format csv|parquet|jsonl|fhir`) carry
``created_by`` and the reason as written: they go to the clinic and its referral partners. The
regional analyst's copy - the de-identified analytics export, and what `triage report` pools from a
log it is given - carries no staff field at all, not even the API's pseudonym (``staff-`` and 16
hex digits, ``triage/service/api/analyst_view.py``): no regional table counts work per account,
and in a pooled table a per-clinic pseudonym next to the clinic and the day points at the one or two
clinicians on duty. Nor does it carry free text (a referral's reason, an override's, a decline's
note). Should a column naming staff ever be added, it is to be the API's pseudonym, so that the two
copies agree (docs/analytics-export.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.reports.pooling import pool
from referral import facilities, referrals
from referral.analytics_export import export_analytics
from referral.overrides import override_assessment
from referral.records import FeedbackIn, OverrideIn, ReferralIn
from referral.schema import connect
from tests.referral.conftest import visit

#: User names and what staff wrote, as a clinic's other system or its staff type them.
STAFF = ("nurse1", "zhangwei", "liuyang", "chenjing")
WRITTEN = ("call Dr Zhang on 13800138000", "liuyang: seen, stable", "no bed (chenjing)")


def _log(path: Path) -> Path:
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="admin", clinic="ZJ-C01")
    for i in range(6):
        assessment = visit(db, mrn=f"MRN-{i}")  # registered and opened by "nurse1"
        if i % 2:
            override_assessment(
                db,
                assessment["id"],
                OverrideIn(clinician="liuyang", disposition="urgent_referral", reason=WRITTEN[1]),
            )
        made = referrals.create_referral(
            db,
            ReferralIn(
                assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason=WRITTEN[0]
            ),
            actor="zhangwei",
        )
        referrals.transition(db, made["id"], "sent", actor="zhangwei")
        if i == 0:
            referrals.transition(db, made["id"], "declined", actor="chenjing", note=WRITTEN[2])
        if i == 1:
            referrals.transition(db, made["id"], "accepted", actor="chenjing")
            referrals.transition(db, made["id"], "arrived", actor="chenjing")
            referrals.transition(
                db, made["id"], "completed", actor="chenjing", feedback=FeedbackIn(justified=True)
            )
    db.close()
    return path


def test_the_regional_copy_of_a_log_names_no_staff_and_carries_nothing_they_wrote(tmp_path: Path) -> None:
    log = _log(tmp_path / "clinic.db")
    db = connect(log)
    try:
        export_analytics(db, tmp_path / "export", "csv")
        # the clinic-facing export does carry them: the log above holds what this test looks for
        clinic = [dict(row) for row in db.query("SELECT created_by, reason FROM referrals")]
    finally:
        db.close()
    assert {row["created_by"] for row in clinic} == {"zhangwei"}
    written = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "export").iterdir())]
    assert len(written) >= 3
    pooled = pool([log], tmp_path / "work")
    assert pooled.rows_pooled == 6
    rows = pooled.con.execute("SELECT * FROM encounters").fetchall()
    columns = [c[0] for c in pooled.con.description]
    assert not [c for c in columns if c.endswith("_by") or c in ("reason", "note", "clinician")]
    text = "\n".join([*written, *map(repr, rows), *(r.reason for r in pooled.rejections)]).lower()
    for name in STAFF:
        assert name not in text
    for words in WRITTEN:
        assert words.lower() not in text
    assert "staff-" not in text


@pytest.mark.parametrize("column", ["created_by", "closed_by", "resolved_by", "referred_by", "overridden_by"])
def test_the_reports_contract_has_no_staff_column(column: str) -> None:
    from analytics.reports.schema import ENCOUNTER_TYPES, FACILITY_TYPES

    assert column not in ENCOUNTER_TYPES and column not in FACILITY_TYPES
