"""Per-clinic settings kept inside the log: the pseudonym secret, the clinic's facility id.

The pseudonymous analytics id of a patient (and the export's record ids) is
HMAC-SHA256(clinic secret, identifier), truncated to 32 hex characters. The secret is generated
once per database and never exported, so ids are stable across re-exports of one clinic but
cannot be linked back to an MRN without the clinic's database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlite_utils import Database

from referral import audit
from referral.errors import ConfigError

SECRET_KEY = "pseudonym_secret"
CLINIC_KEY = "clinic_id"


def get_setting(db: Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_setting(db: Database, key: str, value: str, *, actor: str, reason: str) -> None:
    """Set a setting (inside a write transaction) and audit a change (``setting.set``: the value
    and its SHA-256, which ``verify-audit`` compares). Not for the pseudonym secret, which is
    made once by :func:`pseudonym_secret` and never written to the trail."""
    if key == SECRET_KEY:
        raise ValueError("the pseudonym secret is made once by pseudonym_secret(), never set")
    if get_setting(db, key) == value:
        return
    db.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    audit.append(
        db,
        actor=actor,
        action="setting.set",
        entity="setting",
        entity_id=key,
        reason=reason,
        data={"value": value, "value_sha256": audit.text_sha256(value)},
    )


def pseudonym_secret(db: Database) -> bytes:
    """The clinic's secret; created on first use (call inside a write transaction)."""
    secret = get_setting(db, SECRET_KEY)
    if secret is None:
        secret = secrets.token_hex(32)
        db.conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", [SECRET_KEY, secret])
        secret = get_setting(db, SECRET_KEY)
        assert secret is not None
    return bytes.fromhex(secret)


def pseudonym(secret: bytes, kind: str, identifier: str | int) -> str:
    message = f"{kind}:{identifier}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def clinic_id(db: Database) -> str:
    """The facility id of this clinic, as set by ``triage referrals facilities load --clinic``."""
    value = get_setting(db, CLINIC_KEY)
    if value is None:
        raise ConfigError(
            "this referral log does not know which facility it belongs to; run "
            "`triage referrals facilities load FILE.csv --clinic FACILITY_ID`"
        )
    return value
