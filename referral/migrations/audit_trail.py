"""The hash-chained audit trail and what upgrades put into it (migrations 0003, 0018-0020;
registered in order by ``referral.migrations``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlite_utils import Database

from referral import audit
from referral.migrations.sql import run_script


def m0003_audit(db: Database) -> None:
    """The hash-chained, append-only audit trail; triggers reject UPDATE and DELETE."""
    run_script(
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


def m0018_audit_entity_index(db: Database) -> None:
    """An entity's audit entries (``referral.audit.entries_for``: ``triage referrals show``'s
    history, the pseudonym check of ``verify-audit``) by index instead of reading the whole trail.
    ``seq`` is the rowid, so the entries come out of the index in order without a sort."""
    run_script(db, "CREATE INDEX audit_entity ON audit(entity, entity_id)")


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
