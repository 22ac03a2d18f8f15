"""The device side: the gateway's inbox, bedside device associations, reviews of held results,
device corrections of stored readings and the referrals whose basis they changed, POCT1-A2
operator lists, why triage did not accept a held result (migrations 0005, 0006, 0008-0013, 0017,
0023; registered in order by ``referral.migrations``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from referral.migrations.sql import one_of, run_script
from referral.value_sets import (
    DISPOSITIONS,
    REFERRAL_STATUSES,
    URGENCIES,
)


def m0005_device_inbox(db: Database) -> None:
    """Device gateway inbox (owned by the gateway, ``referral/inbox.py``): raw messages, results, quarantine.

    ``device_results_idempotency`` is the exactly-once key: (device, sample id, vendor test code,
    result time). Empty strings stand for absent parts so the key always compares.
    """
    run_script(
        db,
        """
CREATE TABLE device_messages (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    session_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    received_at TEXT NOT NULL,
    raw BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    parsed TEXT,
    state TEXT NOT NULL CHECK (state IN ('accepted', 'quarantined')),
    reason TEXT,
    result_count INTEGER NOT NULL DEFAULT 0,
    duplicate_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX device_messages_device ON device_messages(device_id, received_at);
CREATE TABLE device_results (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES device_messages(id),
    device_id TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    vendor_code TEXT NOT NULL,
    result_time TEXT NOT NULL,
    patient_id TEXT,
    code TEXT,
    value TEXT,
    value_num REAL,
    comparator TEXT,
    unit TEXT,
    status TEXT NOT NULL,
    is_qc INTEGER NOT NULL CHECK (is_qc IN (0, 1)),
    flags TEXT,
    details TEXT,
    received_at TEXT NOT NULL,
    delivered_at TEXT
) STRICT;
CREATE UNIQUE INDEX device_results_idempotency ON device_results(device_id, sample_id, vendor_code, result_time);
CREATE INDEX device_results_undelivered ON device_results(delivered_at, id);
CREATE TABLE device_quarantine (
    id INTEGER PRIMARY KEY,
    message_id INTEGER REFERENCES device_messages(id),
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    received_at TEXT NOT NULL,
    raw BLOB NOT NULL,
    reason TEXT NOT NULL,
    byte_offset INTEGER
) STRICT;
CREATE INDEX device_quarantine_device ON device_quarantine(device_id, id)
""",
    )


def m0006_device_associations(db: Database) -> None:
    """Bedside device -> patient encounter associations (``referral/associations.py``).

    While an association is active (``ended_at`` NULL) results from that device that carry no
    patient id are linked to its patient. The partial unique index allows at most one active
    association per device; ended rows are kept (history, provenance of linked results).
    Times are ISO 8601 UTC with microseconds, the format of ``device_results.received_at``.
    """
    run_script(
        db,
        """
CREATE TABLE device_associations (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL CHECK (length(started_by) > 0),
    ended_at TEXT,
    ended_by TEXT,
    end_reason TEXT,
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
) STRICT;
CREATE UNIQUE INDEX device_associations_active ON device_associations(device_id) WHERE ended_at IS NULL;
CREATE INDEX device_associations_device ON device_associations(device_id, started_at);
CREATE INDEX device_associations_encounter ON device_associations(encounter_id)
""",
    )


def m0008_device_result_review(db: Database) -> None:
    """Staff review of held device results (``referral/review.py``): assigned to an encounter, or
    dismissed. One review per result (the primary key); the device result itself is never edited.

    ``observation_id`` is the observation an assigned result was stored as (same transaction).
    """
    run_script(
        db,
        """
CREATE TABLE device_result_reviews (
    result_id INTEGER PRIMARY KEY REFERENCES device_results(id),
    state TEXT NOT NULL CHECK (state IN ('assigned', 'dismissed')),
    encounter_id INTEGER REFERENCES encounters(id),
    observation_id INTEGER REFERENCES observations(id),
    reviewed_by TEXT NOT NULL CHECK (length(reviewed_by) > 0),
    reviewed_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    CHECK ((state = 'assigned') = (encounter_id IS NOT NULL)),
    CHECK (state = 'assigned' OR observation_id IS NULL)
) STRICT;
CREATE INDEX device_result_reviews_encounter ON device_result_reviews(encounter_id)
""",
    )


def m0009_device_results_received(db: Database) -> None:
    """Device results by receipt time: the held-results worklist reads one window (30 days by
    default) of a years-long inbox instead of all of it."""
    run_script(db, "CREATE INDEX device_results_received ON device_results(received_at)")


def m0010_device_association_expiry(db: Database) -> None:
    """Device associations expire (``referral/associations.py``): ``expires_at`` is fixed when a
    device is attached (``started_at`` + the clinic's maximum, setting
    ``device_associations.max_duration_s``); a result received at or after it is not linked.

    The table is rebuilt (SQLite cannot add a table constraint) so that an active association
    without an expiry cannot exist. Associations active when this migration runs get the default
    maximum, 12 hours after they started (so one attached days ago ends at once); ended ones keep
    ``expires_at`` NULL: no limit was in force while they ran.
    """
    run_script(
        db,
        """
CREATE TABLE device_associations_0010 (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL CHECK (length(started_by) > 0),
    expires_at TEXT,
    ended_at TEXT,
    ended_by TEXT,
    end_reason TEXT,
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (ended_at IS NOT NULL OR expires_at IS NOT NULL),
    CHECK (expires_at IS NULL OR expires_at > started_at)
) STRICT;
INSERT INTO device_associations_0010
    (id, device_id, encounter_id, patient_id, started_at, started_by, ended_at, ended_by, end_reason)
    SELECT id, device_id, encounter_id, patient_id, started_at, started_by, ended_at, ended_by, end_reason
    FROM device_associations WHERE ended_at IS NOT NULL
""",
    )
    active = db.conn.execute(
        "SELECT id, device_id, encounter_id, patient_id, started_at, started_by FROM device_associations"
        " WHERE ended_at IS NULL"
    ).fetchall()
    for row in active:
        expires = datetime.fromisoformat(row[4]) + timedelta(hours=12)
        db.execute(
            "INSERT INTO device_associations_0010"
            " (id, device_id, encounter_id, patient_id, started_at, started_by, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [*row, expires.isoformat(timespec="microseconds")],
        )
    run_script(
        db,
        """
DROP TABLE device_associations;
ALTER TABLE device_associations_0010 RENAME TO device_associations;
CREATE UNIQUE INDEX device_associations_active ON device_associations(device_id) WHERE ended_at IS NULL;
CREATE INDEX device_associations_device ON device_associations(device_id, started_at);
CREATE INDEX device_associations_encounter ON device_associations(encounter_id)
""",
    )


def m0011_observation_corrections(db: Database) -> None:
    """Device corrections of results already stored as observations (``referral/corrections.py``).

    Append-only: the corrected observation is a new ``observations`` row (status ``corrected``)
    and nothing stored is edited or deleted. Each row records one correction of the device
    result ``result_id`` in encounter ``encounter_id``: the observation it took out of the
    decision (``replaces_id``; NULL when an earlier correction had already withdrawn it), and
    either the new observation (``applied``) or why triage rejected the corrected value
    (``held``: nothing from that result is used until a person reviews it). ``reviewed_*`` are
    set once, when a person dismisses a held correction from the worklist.
    """
    run_script(
        db,
        """
CREATE TABLE observation_corrections (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    result_id INTEGER NOT NULL REFERENCES device_results(id),
    message_id INTEGER NOT NULL REFERENCES device_messages(id),
    replaces_id INTEGER UNIQUE REFERENCES observations(id),
    state TEXT NOT NULL CHECK (state IN ('applied', 'held')),
    correction_id INTEGER UNIQUE REFERENCES observations(id),
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    held_reason TEXT,
    corrected_at TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_reason TEXT,
    CHECK ((state = 'applied') = (correction_id IS NOT NULL)),
    CHECK ((state = 'held') = (held_reason IS NOT NULL)),
    CHECK (state = 'held' OR reviewed_at IS NULL),
    CHECK ((reviewed_at IS NULL) = (reviewed_by IS NULL)),
    CHECK ((reviewed_at IS NULL) = (review_reason IS NULL))
) STRICT;
CREATE INDEX observation_corrections_result ON observation_corrections(result_id, id);
CREATE INDEX observation_corrections_encounter ON observation_corrections(encounter_id, id)
""",
    )


def m0012_device_results_qc(db: Database) -> None:
    """QC results by device, for the devices page's QC counts (``referral.review.qc_counts``): a
    partial index holds only the QC rows, so counting them no longer reads the whole inbox (the
    held section re-reads the counts every 5 s while the page is open)."""
    run_script(db, "CREATE INDEX device_results_qc ON device_results(device_id) WHERE is_qc = 1")


def m0013_referral_basis_changes(db: Database) -> None:
    """Referrals whose basis a device later corrected (``referral/basis.py``).

    One row per referral and device correction of a reading that referral's assessment used: the
    value it used (``old_value``), the value in force now (``new_value``; NULL: withdrawn, the
    correction is held), the re-assessment's disposition and whether it is less urgent than the
    referral. The referral row itself is not edited. A row is open until a person resolves it once:
    ``acknowledged`` ("reviewed, keep", with a reason) or the referral reaching a final status.
    """
    run_script(
        db,
        f"""
CREATE TABLE referral_basis_changes (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    correction_id INTEGER NOT NULL REFERENCES observation_corrections(id),
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    code TEXT NOT NULL CHECK (length(code) > 0),
    old_value TEXT NOT NULL,
    new_value TEXT,
    disposition TEXT NOT NULL {one_of("disposition", DISPOSITIONS)},
    referral_urgency TEXT NOT NULL {one_of("referral_urgency", URGENCIES)},
    referral_status TEXT NOT NULL {one_of("referral_status", REFERRAL_STATUSES)},
    less_urgent INTEGER NOT NULL CHECK (less_urgent IN (0, 1)),
    changed_at TEXT NOT NULL,
    resolution TEXT CHECK (resolution IN ('acknowledged', 'cancelled', 'declined', 'completed')),
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_reason TEXT,
    CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolution_reason IS NULL)),
    CHECK (resolution_reason IS NULL OR length(trim(resolution_reason)) > 0)
) STRICT;
CREATE UNIQUE INDEX referral_basis_changes_once ON referral_basis_changes(referral_id, correction_id);
CREATE INDEX referral_basis_changes_open ON referral_basis_changes(encounter_id) WHERE resolved_at IS NULL
""",
    )


def m0017_meter_operator_lists(db: Database) -> None:
    """The operator list each POCT1-A2 meter acknowledged (``referral/meter_operator_lists.py``),
    so a restarted gateway does not send every meter its list again.

    One row per (gateway device, meter ``DEV.device_id``): ``digest`` is the SHA-256 of the
    operators the meter was given (``devices.operator_list.digest``), ``operators`` how many. A
    row is written when the meter acknowledged the whole list and deleted when a new list is
    begun (until its end is acknowledged, what the meter holds is unknown). Not clinical data: not
    audited.
    """
    run_script(
        db,
        """
CREATE TABLE meter_operator_lists (
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    meter TEXT NOT NULL CHECK (length(meter) > 0),
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    operators INTEGER NOT NULL CHECK (operators >= 0),
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (device_id, meter)
) STRICT
""",
    )


def m0023_device_results_not_accepted_code(db: Database) -> None:
    """Why triage did not accept a complete device result, as a code (``referral.inbox``
    ``NOT_ACCEPTED_CODES``, written by ``note_not_accepted`` beside the engine's English sentence in
    ``details["not_accepted"]``): the held worklist says it in the reader's language and the API
    lists and filters by it. A new version of the result (a final or corrected one replacing it in
    place) clears it, as it clears the sentence.

    Rows noted before this migration keep only their sentence: their code stays NULL (the page
    says "see the record beside it" and shows the sentence). Deriving one from the English would
    be guessing from text; the engine's own check cannot run here (``referral`` imports no
    ``triage``), and such rows leave the worklist's 30-day window soon after the upgrade.
    """
    codes = ("implausible_value", "unit_not_accepted", "pressures_swapped", "value_not_accepted")
    db.execute(
        f"ALTER TABLE device_results ADD COLUMN not_accepted_code TEXT {one_of('not_accepted_code', codes)}"
    )
