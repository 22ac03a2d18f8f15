"""The clinical records' tables: patients, encounters (their close, stated history, one open visit
a day), readings (and the keys of the requests that added them), assessments, overrides, referrals
and their events (migrations 0001, 0002, 0014-0016, 0021, 0022, 0024; registered in order by
``referral.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database

from referral.migrations.sql import one_of, run_script
from referral.value_sets import (
    DISPOSITIONS,
    OBSERVATION_STATUSES,
    REFERRAL_STATUSES,
    SEXES,
    TIERS,
    URGENCIES,
)


def m0001_core(db: Database) -> None:
    """Settings, facilities, patients, encounters, observations, assessments, overrides."""
    run_script(
        db,
        f"""
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE facilities (
    id TEXT PRIMARY KEY CHECK (length(id) > 0),
    name TEXT NOT NULL CHECK (length(name) > 0),
    tier TEXT NOT NULL {one_of("tier", TIERS)},
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
    sex TEXT NOT NULL DEFAULT 'unknown' {one_of("sex", SEXES)},
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
    status TEXT NOT NULL {one_of("status", OBSERVATION_STATUSES)},
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
    disposition TEXT NOT NULL {one_of("disposition", DISPOSITIONS)},
    urgency_rank INTEGER NOT NULL,
    target_tier TEXT {one_of("target_tier", TIERS)},
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
    disposition TEXT NOT NULL {one_of("disposition", DISPOSITIONS)},
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX overrides_assessment ON overrides(assessment_id, id)
""",
    )


def m0002_referrals(db: Database) -> None:
    """Referrals and their timestamped lifecycle transitions."""
    run_script(
        db,
        f"""
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    from_facility TEXT REFERENCES facilities(id),
    to_facility TEXT NOT NULL REFERENCES facilities(id),
    urgency TEXT NOT NULL {one_of("urgency", URGENCIES)},
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    status TEXT NOT NULL {one_of("status", REFERRAL_STATUSES)},
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
    from_status TEXT {one_of("from_status", REFERRAL_STATUSES)},
    to_status TEXT NOT NULL {one_of("to_status", REFERRAL_STATUSES)},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT
) STRICT;
CREATE INDEX referral_events_referral ON referral_events(referral_id, id)
""",
    )


def m0014_encounter_close(db: Database) -> None:
    """Encounters can be closed: the visit ends (``referral/closure.py``).

    ``closed_at`` (ISO 8601 UTC with microseconds, the format of the device association times),
    ``closed_by`` and ``close_reason`` are set together, once: the trigger rejects any later change
    of them (a closed encounter is never reopened; the patient's next visit is a new encounter).
    Existing encounters stay open (NULL). Closing ends the encounter's device associations (reason
    ``encounter_closed``) in the same transaction; its referrals are not touched.
    """
    run_script(
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


def m0015_encounter_context(db: Database) -> None:
    """The patient history stated for a visit (``referral/encounter_context.py``).

    ``context`` is a JSON object of patient-context fields (smoking, known diabetes, blood-pressure
    medicine, waist, ...) given with an assessment; later assessments of the encounter (a device
    result arriving, "assess now" on the page) start from it, so what the patient said is not
    forgotten by the next re-assessment. Existing encounters have none (NULL).
    """
    run_script(
        db,
        """
ALTER TABLE encounters ADD COLUMN context TEXT CHECK (
    context IS NULL OR (json_valid(context) AND json_type(context) = 'object')
)
""",
    )


def m0016_observation_reported(db: Database) -> None:
    """A converted observation keeps the value as received (``triage.observation.Observation``'s
    ``reported_value`` and ``reported_unit``: 101.5 ``[degF]`` for a temperature stored as
    38.6111111 ``Cel``), so that the pages can show what the nurse typed or the device sent beside
    the canonical value, and a re-assessment compares glucose reported in mg/dL with the mg/dL
    cut-offs as the first assessment did. Both or neither; rows stored before have neither (NULL:
    received in the canonical unit, or not known).
    """
    run_script(
        db,
        """
ALTER TABLE observations ADD COLUMN reported_value REAL;
ALTER TABLE observations ADD COLUMN reported_unit TEXT CHECK (
    (reported_value IS NULL) = (reported_unit IS NULL)
    AND (reported_unit IS NULL OR length(reported_unit) > 0)
)
""",
    )


def m0021_idempotency_body(db: Database) -> None:
    """The fingerprint of the API request that made an encounter or an assessment under its
    idempotency key (``body_sha256``: the SHA-256 of the request body without the key,
    ``referral.store.request_digest``), so that the key used again with a different body is a 409
    ``idempotency_conflict`` rather than the stored row returned and the new readings or context
    silently dropped. Rows stored before (and rows written without an API request) have none
    (NULL): their key cannot be compared, and a repeat returns the stored row, as before.
    """
    run_script(
        db,
        """
ALTER TABLE encounters ADD COLUMN body_sha256 TEXT CHECK (body_sha256 IS NULL OR length(body_sha256) = 64);
ALTER TABLE assessments ADD COLUMN body_sha256 TEXT CHECK (body_sha256 IS NULL OR length(body_sha256) = 64);
""",
    )


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
    run_script(
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


def m0024_observation_requests(db: Database) -> None:
    """The idempotency key of a request that added readings (``POST
    /api/v1/encounters/{id}/observations`` with an ``Idempotency-Key``), with its encounter, its
    body's fingerprint (``body_sha256``) and the ids of the readings it stored (a JSON array), so
    that a device bridge retrying the request after a timeout is answered those ids and nothing is
    stored twice; the key with another body or another encounter is a 409
    ``idempotency_conflict`` (``referral.observation_requests``). A new table: a log from before
    has none, and its readings were stored without a key.
    """
    run_script(
        db,
        """
CREATE TABLE observation_requests (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    body_sha256 TEXT NOT NULL CHECK (length(body_sha256) = 64),
    observation_ids TEXT NOT NULL CHECK (json_valid(observation_ids) AND json_type(observation_ids) = 'array'),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT
""",
    )


def m0026_override_idempotency_key(db: Database) -> None:
    """The idempotency key of the request that recorded an override (``POST
    /api/v1/assessments/{id}/overrides``) and its body's fingerprint, kept with the override as the
    other creations keep theirs, UNIQUE: one key names one override in the log, so the key used
    again on another assessment is a 409 ``idempotency_conflict`` (it was looked up in the
    assessment's audit entries only, and recorded a second override), and
    ``referral.idempotency_keys`` forgets it after the retention (it was kept for ever).

    A log from before keeps the keys its ``assessment.override`` entries name; a key such a log
    used on several assessments stays with its first override (the one it named first), the others
    keeping none (``referral.audit_rows_clinical.overrides`` replays the same). One pass over the
    trail's override entries and a sort of the keys: a correlated look-up per override took 5.9 s
    for 2,000 overrides (quadratic).
    """
    run_script(
        db,
        """
ALTER TABLE overrides ADD COLUMN idempotency_key TEXT CHECK (
    idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200
);
ALTER TABLE overrides ADD COLUMN body_sha256 TEXT CHECK (body_sha256 IS NULL OR length(body_sha256) = 64);
UPDATE overrides SET idempotency_key = keyed.key, body_sha256 = keyed.body
FROM (
    SELECT CAST(json_extract(data, '$.override_id') AS INTEGER) AS id,
        json_extract(data, '$.idempotency_key') AS key, json_extract(data, '$.body_sha256') AS body
    FROM audit WHERE action = 'assessment.override' AND json_extract(data, '$.idempotency_key') IS NOT NULL
) AS keyed
WHERE overrides.id = keyed.id;
UPDATE overrides SET idempotency_key = NULL, body_sha256 = NULL
WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY idempotency_key ORDER BY id) AS nth
        FROM overrides WHERE idempotency_key IS NOT NULL
    ) WHERE nth > 1
);
CREATE UNIQUE INDEX overrides_idempotency_key ON overrides(idempotency_key)
""",
    )
