"""The referral log's schema as one ordered migration set (sqlite-utils ``Migrations``); the value
sets its CHECK constraints allow are ``referral.value_sets``.

Every table is ``STRICT`` (SQLite rejects a value of the wrong type instead of silently storing
it). Migrations are append-only: never reorder, rename or edit an applied migration; add a new
function at the end of this file. ``referral.schema`` opens connections and applies them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlite_utils import Database, Migrations

from referral import audit
from referral.value_sets import (
    DISPOSITIONS,
    LANGUAGES,
    OBSERVATION_STATUSES,
    REFERRAL_STATUSES,
    ROLES,
    SEXES,
    TIERS,
    URGENCIES,
)

MIGRATIONS = Migrations("clinic")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    allowed = ", ".join(f"'{v}'" for v in values)
    return f"CHECK ({column} IN ({allowed}))"


def _run(db: Database, script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@MIGRATIONS(name="0001_core")
def m0001_core(db: Database) -> None:
    """Settings, facilities, patients, encounters, observations, assessments, overrides."""
    _run(
        db,
        f"""
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE facilities (
    id TEXT PRIMARY KEY CHECK (length(id) > 0),
    name TEXT NOT NULL CHECK (length(name) > 0),
    tier TEXT NOT NULL {_one_of("tier", TIERS)},
    region_code TEXT NOT NULL CHECK (length(region_code) > 0),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    beds INTEGER NOT NULL CHECK (beds >= 0),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    digital_triage_start TEXT,
    synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
) STRICT;
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    mrn TEXT NOT NULL UNIQUE CHECK (length(mrn) > 0),
    name TEXT,
    sex TEXT NOT NULL DEFAULT 'unknown' {_one_of("sex", SEXES)},
    birth_date TEXT,
    pseudo_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE encounters (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    facility_id TEXT REFERENCES facilities(id),
    started_at TEXT NOT NULL,
    day TEXT NOT NULL,
    age_years INTEGER CHECK (age_years BETWEEN 0 AND 130),
    idempotency_key TEXT UNIQUE,
    created_by TEXT NOT NULL
) STRICT;
CREATE INDEX encounters_day ON encounters(day, id);
CREATE INDEX encounters_patient ON encounters(patient_id);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    code TEXT NOT NULL,
    value_num REAL,
    value_text TEXT,
    comparator TEXT CHECK (comparator IN ('<', '<=', '>', '>=')),
    unit TEXT,
    observed_at TEXT NOT NULL,
    status TEXT NOT NULL {_one_of("status", OBSERVATION_STATUSES)},
    qc TEXT,
    device TEXT,
    device_message_id TEXT
) STRICT;
CREATE INDEX observations_encounter ON observations(encounter_id);
CREATE INDEX observations_device_message ON observations(device_message_id);
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    idempotency_key TEXT UNIQUE,
    request_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    disposition TEXT NOT NULL {_one_of("disposition", DISPOSITIONS)},
    urgency_rank INTEGER NOT NULL,
    target_tier TEXT {_one_of("target_tier", TIERS)},
    policy_version TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    model_versions TEXT NOT NULL,
    news2 INTEGER,
    red_flags TEXT NOT NULL,
    risks TEXT NOT NULL,
    digital INTEGER NOT NULL DEFAULT 1 CHECK (digital IN (0, 1)),
    payload TEXT NOT NULL
) STRICT;
CREATE INDEX assessments_encounter ON assessments(encounter_id, id);
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    clinician TEXT NOT NULL CHECK (length(clinician) > 0),
    disposition TEXT NOT NULL {_one_of("disposition", DISPOSITIONS)},
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX overrides_assessment ON overrides(assessment_id, id)
""",
    )


@MIGRATIONS(name="0002_referrals")
def m0002_referrals(db: Database) -> None:
    """Referrals and their timestamped lifecycle transitions."""
    _run(
        db,
        f"""
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    from_facility TEXT REFERENCES facilities(id),
    to_facility TEXT NOT NULL REFERENCES facilities(id),
    urgency TEXT NOT NULL {_one_of("urgency", URGENCIES)},
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    status TEXT NOT NULL {_one_of("status", REFERRAL_STATUSES)},
    idempotency_key TEXT UNIQUE,
    request_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    accepted_at TEXT,
    arrived_at TEXT,
    completed_at TEXT,
    declined_at TEXT,
    cancelled_at TEXT,
    justified INTEGER CHECK (justified IN (0, 1)),
    feedback TEXT
) STRICT;
CREATE INDEX referrals_status ON referrals(status, id);
CREATE INDEX referrals_encounter ON referrals(encounter_id, id);
CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    from_status TEXT {_one_of("from_status", REFERRAL_STATUSES)},
    to_status TEXT NOT NULL {_one_of("to_status", REFERRAL_STATUSES)},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT
) STRICT;
CREATE INDEX referral_events_referral ON referral_events(referral_id, id)
""",
    )


@MIGRATIONS(name="0003_audit")
def m0003_audit(db: Database) -> None:
    """The hash-chained, append-only audit trail; triggers reject UPDATE and DELETE."""
    _run(
        db,
        """
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) > 0),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only: UPDATE is rejected'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only: DELETE is rejected'); END
""",
    )


@MIGRATIONS(name="0004_users")
def m0004_users(db: Database) -> None:
    """Staff accounts and API tokens (the service hashes passwords; this stores strings)."""
    _run(
        db,
        f"""
CREATE TABLE users (
    username TEXT PRIMARY KEY CHECK (length(username) > 0),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL {_one_of("role", ROLES)},
    language TEXT NOT NULL DEFAULT 'en' {_one_of("language", LANGUAGES)},
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX api_tokens_username ON api_tokens(username)
""",
    )


@MIGRATIONS(name="0005_device_inbox")
def m0005_device_inbox(db: Database) -> None:
    """Device gateway inbox (owned by the gateway, ``referral/inbox.py``): raw messages, results, quarantine.

    ``device_results_idempotency`` is the exactly-once key: (device, sample id, vendor test code,
    result time). Empty strings stand for absent parts so the key always compares.
    """
    _run(
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


@MIGRATIONS(name="0006_device_associations")
def m0006_device_associations(db: Database) -> None:
    """Bedside device -> patient encounter associations (``referral/associations.py``).

    While an association is active (``ended_at`` NULL) results from that device that carry no
    patient id are linked to its patient. The partial unique index allows at most one active
    association per device; ended rows are kept (history, provenance of linked results).
    Times are ISO 8601 UTC with microseconds, the format of ``device_results.received_at``.
    """
    _run(
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


@MIGRATIONS(name="0007_staff_sessions")
def m0007_staff_sessions(db: Database) -> None:
    """Staff web sessions (``referral/sessions.py``), so a service restart does not log staff out.

    Only the SHA-256 of the session cookie is stored: a copied database holds no usable session.
    Times are Unix seconds (the service checks idle and absolute expiry against the wall clock).
    """
    _run(
        db,
        f"""
CREATE TABLE staff_sessions (
    id_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    language TEXT NOT NULL {_one_of("language", LANGUAGES)},
    csrf_token TEXT NOT NULL CHECK (length(csrf_token) > 0),
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL CHECK (last_seen >= created_at)
) STRICT;
CREATE INDEX staff_sessions_username ON staff_sessions(username)
""",
    )


@MIGRATIONS(name="0008_device_result_review")
def m0008_device_result_review(db: Database) -> None:
    """Staff review of held device results (``referral/review.py``): assigned to an encounter, or
    dismissed. One review per result (the primary key); the device result itself is never edited.

    ``observation_id`` is the observation an assigned result was stored as (same transaction).
    """
    _run(
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


@MIGRATIONS(name="0009_device_results_received")
def m0009_device_results_received(db: Database) -> None:
    """Device results by receipt time: the held-results worklist reads one window (30 days by
    default) of a years-long inbox instead of all of it."""
    _run(db, "CREATE INDEX device_results_received ON device_results(received_at)")


@MIGRATIONS(name="0010_device_association_expiry")
def m0010_device_association_expiry(db: Database) -> None:
    """Device associations expire (``referral/associations.py``): ``expires_at`` is fixed when a
    device is attached (``started_at`` + the clinic's maximum, setting
    ``device_associations.max_duration_s``); a result received at or after it is not linked.

    The table is rebuilt (SQLite cannot add a table constraint) so that an active association
    without an expiry cannot exist. Associations active when this migration runs get the default
    maximum, 12 hours after they started (so one attached days ago ends at once); ended ones keep
    ``expires_at`` NULL: no limit was in force while they ran.
    """
    _run(
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
    _run(
        db,
        """
DROP TABLE device_associations;
ALTER TABLE device_associations_0010 RENAME TO device_associations;
CREATE UNIQUE INDEX device_associations_active ON device_associations(device_id) WHERE ended_at IS NULL;
CREATE INDEX device_associations_device ON device_associations(device_id, started_at);
CREATE INDEX device_associations_encounter ON device_associations(encounter_id)
""",
    )


@MIGRATIONS(name="0011_observation_corrections")
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
    _run(
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


@MIGRATIONS(name="0012_device_results_qc")
def m0012_device_results_qc(db: Database) -> None:
    """QC results by device, for the devices page's QC counts (``referral.review.qc_counts``): a
    partial index holds only the QC rows, so counting them no longer reads the whole inbox (the
    held section re-reads the counts every 5 s while the page is open)."""
    _run(db, "CREATE INDEX device_results_qc ON device_results(device_id) WHERE is_qc = 1")


@MIGRATIONS(name="0013_referral_basis_changes")
def m0013_referral_basis_changes(db: Database) -> None:
    """Referrals whose basis a device later corrected (``referral/basis.py``).

    One row per referral and device correction of a reading that referral's assessment used: the
    value it used (``old_value``), the value in force now (``new_value``; NULL: withdrawn, the
    correction is held), the re-assessment's disposition and whether it is less urgent than the
    referral. The referral row itself is not edited. A row is open until a person resolves it once:
    ``acknowledged`` ("reviewed, keep", with a reason) or the referral reaching a final status.
    """
    _run(
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
    disposition TEXT NOT NULL {_one_of("disposition", DISPOSITIONS)},
    referral_urgency TEXT NOT NULL {_one_of("referral_urgency", URGENCIES)},
    referral_status TEXT NOT NULL {_one_of("referral_status", REFERRAL_STATUSES)},
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


@MIGRATIONS(name="0014_encounter_close")
def m0014_encounter_close(db: Database) -> None:
    """Encounters can be closed: the visit ends (``referral/closure.py``).

    ``closed_at`` (ISO 8601 UTC with microseconds, the format of the device association times),
    ``closed_by`` and ``close_reason`` are set together, once: the trigger rejects any later change
    of them (a closed encounter is never reopened; the patient's next visit is a new encounter).
    Existing encounters stay open (NULL). Closing ends the encounter's device associations (reason
    ``encounter_closed``) in the same transaction; its referrals are not touched.
    """
    _run(
        db,
        """
ALTER TABLE encounters ADD COLUMN closed_at TEXT;
ALTER TABLE encounters ADD COLUMN closed_by TEXT;
ALTER TABLE encounters ADD COLUMN close_reason TEXT CHECK (
    (closed_at IS NULL) = (closed_by IS NULL)
    AND (closed_at IS NULL) = (close_reason IS NULL)
    AND (closed_by IS NULL OR length(trim(closed_by)) > 0)
    AND (close_reason IS NULL OR length(trim(close_reason)) > 0)
);
CREATE TRIGGER encounters_close_once BEFORE UPDATE OF closed_at, closed_by, close_reason ON encounters
WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed encounter stays closed: its close cannot be changed'); END
""",
    )


@MIGRATIONS(name="0015_encounter_context")
def m0015_encounter_context(db: Database) -> None:
    """The patient history stated for a visit (``referral/encounter_context.py``).

    ``context`` is a JSON object of patient-context fields (smoking, known diabetes, blood-pressure
    medicine, waist, ...) given with an assessment; later assessments of the encounter (a device
    result arriving, "assess now" on the page) start from it, so what the patient said is not
    forgotten by the next re-assessment. Existing encounters have none (NULL).
    """
    _run(
        db,
        """
ALTER TABLE encounters ADD COLUMN context TEXT CHECK (
    context IS NULL OR (json_valid(context) AND json_type(context) = 'object')
)
""",
    )


@MIGRATIONS(name="0016_observation_reported")
def m0016_observation_reported(db: Database) -> None:
    """A converted observation keeps the value as received (``triage.observation.Observation``'s
    ``reported_value`` and ``reported_unit``: 101.5 ``[degF]`` for a temperature stored as
    38.6111111 ``Cel``), so that the pages can show what the nurse typed or the device sent beside
    the canonical value, and a re-assessment compares glucose reported in mg/dL with the mg/dL
    cut-offs as the first assessment did. Both or neither; rows stored before have neither (NULL:
    received in the canonical unit, or not known).
    """
    _run(
        db,
        """
ALTER TABLE observations ADD COLUMN reported_value REAL;
ALTER TABLE observations ADD COLUMN reported_unit TEXT CHECK (
    (reported_value IS NULL) = (reported_unit IS NULL)
    AND (reported_unit IS NULL OR length(reported_unit) > 0)
)
""",
    )


@MIGRATIONS(name="0017_meter_operator_lists")
def m0017_meter_operator_lists(db: Database) -> None:
    """The operator list each POCT1-A2 meter acknowledged (``referral/meter_operator_lists.py``),
    so a restarted gateway does not send every meter its list again.

    One row per (gateway device, meter ``DEV.device_id``): ``digest`` is the SHA-256 of the
    operators the meter was given (``devices.operator_list.digest``), ``operators`` how many. A
    row is written when the meter acknowledged the whole list and deleted when a new list is
    begun (until its end is acknowledged, what the meter holds is unknown). Not clinical data: not
    audited.
    """
    _run(
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


@MIGRATIONS(name="0018_audit_entity_index")
def m0018_audit_entity_index(db: Database) -> None:
    """An entity's audit entries (``referral.audit.entries_for``: ``triage referrals show``'s
    history, the pseudonym check of ``verify-audit``) by index instead of reading the whole trail.
    ``seq`` is the rowid, so the entries come out of the index in order without a sort."""
    _run(db, "CREATE INDEX audit_entity ON audit(entity, entity_id)")


@MIGRATIONS(name="0019_audit_record_unrecorded")
def m0019_audit_record_unrecorded(db: Database) -> None:
    """Puts in the audit trail what ``verify-audit`` compares and the trail did not hold
    (``referral/audit_rows.py``), from now on recorded by the writes themselves:

    - each setting but the pseudonym secret (``setting.set``: the value and its SHA-256; the
      secret is checked against the pseudonymous ids it made and never written to the trail);
    - each user's password hash by its SHA-256 (``user.recorded``);
    - each API token's digest by its SHA-256 (``token.recorded``; the trail had its first 8 hex
      digits only).

    The values are taken as found at the upgrade: the trail cannot say whether they were edited
    before it. A new log has none of these rows yet and gets no entry.
    """
    sha256 = audit.text_sha256
    settings = db.conn.execute("SELECT key, value FROM settings WHERE key != 'pseudonym_secret' ORDER BY key")
    users = db.conn.execute("SELECT username, password_hash FROM users ORDER BY username")
    tokens = db.conn.execute("SELECT username, token_sha256 FROM api_tokens ORDER BY username, token_sha256")
    found: list[tuple[str, str, str, dict[str, str]]] = [
        *(
            ("setting.set", "setting", key, {"value": value, "value_sha256": sha256(value)})
            for key, value in settings
        ),
        *(
            ("user.recorded", "user", name, {"password_hash_sha256": sha256(password)})
            for name, password in users
        ),
        *(
            (
                "token.recorded",
                "user",
                name,
                {"token_sha256_prefix": token[:8], "token_digest_sha256": sha256(token)},
            )
            for name, token in tokens
        ),
    ]
    _record_found(db, found, "0019")


def _record_found(
    db: Database, found: Sequence[tuple[str, str, str | int, Mapping[str, object]]], migration: str
) -> None:
    """Appends one audit entry per ``(action, entity, entity_id, data)`` an upgrade found in the
    log, by ``clinic-triage`` with the reason naming the migration (0019, 0020)."""
    for action, entity, entity_id, data in found:
        audit.append(
            db,
            actor="clinic-triage",
            action=action,
            entity=entity,
            entity_id=entity_id,
            reason=f"recorded at the upgrade (migration {migration}): the value found then",
            data=data,
        )


@MIGRATIONS(name="0020_audit_record_device_rows")
def m0020_audit_record_device_rows(db: Database) -> None:
    """Puts in the audit trail the columns of device result reviews, device associations,
    observation corrections and referral basis changes that ``verify-audit`` compares
    (``referral/audit_rows.py``) and the trail did not hold, as ``0019`` did for settings; from
    now on the writes record them themselves:

    - each review's ``observation_id`` (``device_result.review_recorded``; the assignment's
      observation was named without an entry);
    - an association's ``expires_at`` when its start entry has none (``device_association.recorded``:
      attached before ``0010``, whose expiry that migration set);
    - each correction's ``corrected_at`` and, when reviewed, ``reviewed_at``
      (``observation.correction_recorded``);
    - each basis change's ``encounter_id``, ``changed_at`` and, when acknowledged, ``resolved_at``
      (``referral.basis_recorded``; a resolution by the referral's transition has its time there).

    Every other column was in the trail from the start, so an edit of it made before the upgrade
    is still found. The values recorded are taken as found at the upgrade: the trail cannot say
    whether they were edited before it. A log without such rows gets no entry.
    """
    reviews = db.conn.execute(
        "SELECT result_id, observation_id FROM device_result_reviews ORDER BY result_id"
    )
    expiries = db.conn.execute(
        "SELECT a.id, a.expires_at FROM device_associations a WHERE NOT EXISTS (SELECT 1 FROM audit"
        " WHERE entity = 'device_association' AND entity_id = CAST(a.id AS TEXT)"
        " AND action = 'device_association.start' AND json_type(data, '$.expires_at') IS NOT NULL) ORDER BY a.id"
    )
    corrections = db.conn.execute(
        "SELECT id, encounter_id, corrected_at, reviewed_at FROM observation_corrections ORDER BY id"
    )
    changes = db.conn.execute(
        "SELECT id, referral_id, encounter_id, changed_at, resolution, resolved_at FROM referral_basis_changes"
        " ORDER BY id"
    )
    found: list[tuple[str, str, int, dict[str, object]]] = [
        *(
            ("device_result.review_recorded", "device_result", result_id, {"observation_id": observation})
            for result_id, observation in reviews
        ),
        *(
            ("device_association.recorded", "device_association", association, {"expires_at": expires})
            for association, expires in expiries
        ),
        *(
            (
                "observation.correction_recorded",
                "encounter",
                encounter,
                {"correction": correction, "corrected_at": corrected}
                | ({} if reviewed is None else {"reviewed_at": reviewed}),
            )
            for correction, encounter, corrected, reviewed in corrections
        ),
        *(
            (
                "referral.basis_recorded",
                "referral",
                referral,
                {"basis_change": change, "encounter_id": encounter, "changed_at": changed}
                | ({"resolved_at": resolved} if resolution == "acknowledged" else {}),
            )
            for change, referral, encounter, changed, resolution, resolved in changes
        ),
    ]
    _record_found(db, found, "0020")


@MIGRATIONS(name="0021_idempotency_body")
def m0021_idempotency_body(db: Database) -> None:
    """The fingerprint of the API request that made an encounter or an assessment under its
    idempotency key (``body_sha256``: the SHA-256 of the request body without the key,
    ``referral.store.request_digest``), so that the key used again with a different body is a 409
    ``idempotency_conflict`` rather than the stored row returned and the new readings or context
    silently dropped. Rows stored before (and rows written without an API request) have none
    (NULL): their key cannot be compared, and a repeat returns the stored row, as before.
    """
    _run(
        db,
        """
ALTER TABLE encounters ADD COLUMN body_sha256 TEXT CHECK (body_sha256 IS NULL OR length(body_sha256) = 64);
ALTER TABLE assessments ADD COLUMN body_sha256 TEXT CHECK (body_sha256 IS NULL OR length(body_sha256) = 64);
""",
    )


@MIGRATIONS(name="0022_one_open_visit_a_day")
def m0022_one_open_visit_a_day(db: Database) -> None:
    """At most one open visit per patient and day, kept by the database itself: the partial unique
    index ``encounters_one_open_a_day`` on ``(patient_id, day)`` over the open encounters
    (``closed_at IS NULL``). ``referral.store.open_visit`` already returned the visit open that day
    instead of opening a second, in one ``BEGIN IMMEDIATE`` transaction; the index also stops any
    other writer (a plain ``sqlite3`` insert, a future code path), and
    ``referral.store.insert_encounter`` turns its refusal into a :class:`ConflictError`.

    A log from before may hold two or more open visits of one patient on one day (the API opened a
    second one until ``open_visit``). They are neither closed nor merged - closing a visit is a
    person's decision (its referral check, its devices) - but each open one but the newest of its
    patient and day gets ``duplicate_of`` = that newest visit (the one ``open_visit`` returns), and
    the index leaves such rows out. ``duplicate_of`` is set here only: triggers refuse it on a new
    row and any later change of it, so no new row can slip past the index this way.
    """
    _run(
        db,
        """
ALTER TABLE encounters ADD COLUMN duplicate_of INTEGER REFERENCES encounters(id);
UPDATE encounters SET duplicate_of = (
    SELECT max(newer.id) FROM encounters AS newer
    WHERE newer.patient_id = encounters.patient_id AND newer.day = encounters.day AND newer.closed_at IS NULL
)
WHERE closed_at IS NULL AND EXISTS (
    SELECT 1 FROM encounters AS newer
    WHERE newer.patient_id = encounters.patient_id AND newer.day = encounters.day
    AND newer.closed_at IS NULL AND newer.id > encounters.id
);
CREATE UNIQUE INDEX encounters_one_open_a_day ON encounters(patient_id, day)
WHERE closed_at IS NULL AND duplicate_of IS NULL;
CREATE TRIGGER encounters_duplicate_of_new BEFORE INSERT ON encounters
WHEN NEW.duplicate_of IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'duplicate_of is set by migration 0022 only, never on a new encounter'); END;
CREATE TRIGGER encounters_duplicate_of_fixed BEFORE UPDATE OF duplicate_of ON encounters
WHEN OLD.duplicate_of IS NOT NEW.duplicate_of
BEGIN SELECT RAISE(ABORT, 'duplicate_of is set by migration 0022 only and never changed'); END
""",
    )
