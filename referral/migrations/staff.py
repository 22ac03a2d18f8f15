"""Staff accounts, API tokens and web sessions (migrations 0004, 0007, 0025; registered in order by
``referral.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database

from referral.migrations.sql import one_of, run_script
from referral.value_sets import (
    LANGUAGES,
    ROLES,
)


def m0004_users(db: Database) -> None:
    """Staff accounts and API tokens (the service hashes passwords; this stores strings)."""
    run_script(
        db,
        f"""
CREATE TABLE users (
    username TEXT PRIMARY KEY CHECK (length(username) > 0),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL {one_of("role", ROLES)},
    language TEXT NOT NULL DEFAULT 'en' {one_of("language", LANGUAGES)},
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


def m0007_staff_sessions(db: Database) -> None:
    """Staff web sessions (``referral/sessions.py``), so a service restart does not log staff out.

    Only the SHA-256 of the session cookie is stored: a copied database holds no usable session.
    Times are Unix seconds (the service checks idle and absolute expiry against the wall clock).
    """
    run_script(
        db,
        f"""
CREATE TABLE staff_sessions (
    id_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    language TEXT NOT NULL {one_of("language", LANGUAGES)},
    csrf_token TEXT NOT NULL CHECK (length(csrf_token) > 0),
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL CHECK (last_seen >= created_at)
) STRICT;
CREATE INDEX staff_sessions_username ON staff_sessions(username)
""",
    )


def m0025_api_token_expiry(db: Database) -> None:
    """When an API token stops working (``expires_at``, ISO 8601 UTC as ``utc_now`` writes it) and
    when it was last used (``last_used_at``, written at most once a minute). Tokens issued before
    have neither: they do not expire (the listing says so) until revoked."""
    run_script(
        db,
        """
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT
""",
    )
