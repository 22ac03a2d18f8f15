"""Staff accounts and API tokens. The service hashes passwords (argon2) and tokens (SHA-256);
this module only stores and finds the strings. Account changes are audited."""

from __future__ import annotations

import sqlite3
import unicodedata
from typing import Any, get_args

from sqlite_utils import Database

from referral import audit
from referral.errors import ConflictError, NotFoundError, UserInputError, json_text
from referral.records import Language, Role
from referral.transactions import utc_now, write, write_unless_locked

#: The characters of a stored user name (after :func:`account_name`).
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def account_name(username: str) -> str:
    """The account a user name names, wherever one is typed (the login and setup pages, the API,
    ``triage referrals users``): full-width letters, digits and spaces as their ASCII (an input
    method's full-width mode: ``ｎｕｒｓｅ１``), then no spaces at either end and lower case (``Nurse1``,
    `` nurse1 ``) - the width and case mapping of RFC 8265's UsernameCaseMapped. User names are
    stored so; every function here that takes one applies it."""
    narrow = "".join(
        unicodedata.normalize("NFKC", char)
        if unicodedata.decomposition(char).startswith(("<wide>", "<narrow>"))
        else char
        for char in username
    )
    return narrow.strip().lower()


def checked_username(username: str) -> str:
    """:func:`account_name`, refused unless it can be an account's (2-64 of :data:`USERNAME_CHARS`)."""
    name = account_name(username)
    if not 2 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise UserInputError(
            f'username: {json_text(username)}: use 2-64 characters from a-z, 0-9, ".", "_" and "-"',
            says="error.username_invalid",
            params={"username": username},
        )
    return name


def create_user(
    db: Database,
    username: str,
    password_hash: str,
    role: str,
    *,
    language: str = "en",
    actor: str = "admin",
) -> dict[str, Any]:
    if role not in get_args(Role):
        raise UserInputError(f"role {json_text(role)} is not one of {', '.join(get_args(Role))}")
    if language not in get_args(Language):
        raise UserInputError(f"language {json_text(language)} is not one of {', '.join(get_args(Language))}")
    username = checked_username(username)

    def work(db: Database) -> dict[str, Any]:
        try:
            db.conn.execute(
                "INSERT INTO users (username, password_hash, role, language, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [username, password_hash, role, language, utc_now()],
            )
        except sqlite3.IntegrityError as error:
            raise ConflictError(f"user {json_text(username)} already exists") from error
        audit.append(
            db,
            actor=actor,
            action="user.create",
            entity="user",
            entity_id=username,
            reason="account created",
            data={
                "role": role,
                "language": language,
                "password_hash_sha256": audit.text_sha256(password_hash),
            },
        )
        return _get(db, username) or {}

    return write(db, work)


def _get(db: Database, username: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM users WHERE username = ?", [account_name(username)]))
    if not rows:
        return None
    return dict(rows[0], disabled=bool(rows[0]["disabled"]))


def get_user(db: Database, username: str) -> dict[str, Any] | None:
    return _get(db, username)


def list_users(db: Database) -> list[dict[str, Any]]:
    rows = db.query("SELECT username, role, language, created_at, disabled FROM users ORDER BY username")
    return [dict(row, disabled=bool(row["disabled"])) for row in rows]


def set_disabled(db: Database, username: str, disabled: bool, *, actor: str) -> bool:
    """Disable the account (its sessions end) or enable it, audited; ``False`` when it was so
    already: nothing written, no audit entry (an enable pressed twice recorded two)."""
    name = account_name(username)

    def work(db: Database) -> bool:
        row = db.conn.execute("SELECT disabled FROM users WHERE username = ?", [name]).fetchone()
        if row is None:
            raise NotFoundError(f"user {json_text(username)} not found")
        if bool(row[0]) == disabled:
            return False
        db.conn.execute("UPDATE users SET disabled = ? WHERE username = ?", [int(disabled), name])
        if disabled:  # a disabled account is logged out everywhere (re-enabling revives nothing)
            db.conn.execute("DELETE FROM staff_sessions WHERE username = ?", [name])
        audit.append(
            db,
            actor=actor,
            action="user.disable" if disabled else "user.enable",
            entity="user",
            entity_id=name,
            reason="account status changed",
            data={"disabled": disabled},
        )
        return True

    return write(db, work)


def create_token(
    db: Database,
    token_sha256: str,
    username: str,
    label: str,
    *,
    actor: str = "admin",
    expires_at: str | None = None,
) -> dict[str, Any]:
    """Store a token's digest for ``username``; ``expires_at`` (ISO 8601 UTC): when it stops
    working, recorded in its ``token.create`` entry (``verify-audit`` compares it)."""
    if len(token_sha256) != 64 or any(c not in "0123456789abcdef" for c in token_sha256):
        raise UserInputError("token_sha256 must be 64 lowercase hex characters (SHA-256 of the token)")
    username = account_name(username)

    def work(db: Database) -> dict[str, Any]:
        if _get(db, username) is None:
            raise NotFoundError(f"user {json_text(username)} not found")
        row = {
            "token_sha256": token_sha256,
            "username": username,
            "label": label,
            "created_at": utc_now(),
            "expires_at": expires_at,
        }
        try:
            db.conn.execute(
                "INSERT INTO api_tokens (token_sha256, username, label, created_at, expires_at)"
                " VALUES (:token_sha256, :username, :label, :created_at, :expires_at)",
                row,
            )
        except sqlite3.IntegrityError as error:
            raise ConflictError("this token is already registered") from error
        audit.append(
            db,
            actor=actor,
            action="token.create",
            entity="user",
            entity_id=username,
            reason="API token issued",
            data={
                "label": label,
                "token_sha256_prefix": token_sha256[:8],
                "token_digest_sha256": audit.text_sha256(token_sha256),
                "expires_at": expires_at,
            },
        )
        return row | {"revoked_at": None, "last_used_at": None}

    return write(db, work)


def find_token(db: Database, token_sha256: str) -> dict[str, Any] | None:
    """The token not revoked with its user's role, or None if unknown, revoked or the user is
    disabled; whether it has expired (``expires_at``) is the caller's to check."""
    # A plain cursor: every API request asks this, and sqlite-utils' ``query`` wraps each read in
    # a savepoint (three statements instead of one).
    cursor = db.conn.execute(
        "SELECT t.token_sha256, t.username, t.label, t.created_at, t.expires_at, t.last_used_at, u.role,"
        " u.language"
        " FROM api_tokens t JOIN users u ON u.username = t.username"
        " WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND u.disabled = 0",
        [token_sha256],
    )
    row = cursor.fetchone()
    return None if row is None else dict(zip([c[0] for c in cursor.description], row, strict=True))


def touch_token(db: Database, token_sha256: str, now: str, before: str) -> bool:
    """Note the token's use at ``now``, unless a use since ``before`` is noted already (bookkeeping,
    not audited: at most one write a minute per token). Never waits for the log: while another
    writer holds it, nothing is noted (``False``) - the service's event loop asks this, and waited
    with every other request for as long as SQLite's busy timeout, six times."""
    return write_unless_locked(
        db,
        lambda db: db.conn.execute(
            "UPDATE api_tokens SET last_used_at = ?"
            " WHERE token_sha256 = ? AND (last_used_at IS NULL OR last_used_at < ?)",
            [now, token_sha256, before],
        ),
    )


def list_tokens(db: Database, now: str) -> list[dict[str, Any]]:
    """Every token, oldest first: its digest's first 12 hex digits (``id``), owner, role, label,
    times - never the digest whole - and its ``state`` at ``now`` (ISO 8601 UTC): ``live``,
    ``expired``, ``revoked``, or ``disabled`` (its account is)."""
    cursor = db.conn.execute(
        "SELECT substr(t.token_sha256, 1, 12) AS id, t.username, u.role, u.disabled, t.label, t.created_at,"
        " t.last_used_at, t.expires_at, t.revoked_at"
        " FROM api_tokens t JOIN users u ON u.username = t.username ORDER BY t.created_at, t.token_sha256"
    )
    names = [c[0] for c in cursor.description]
    listed = []
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        disabled = row.pop("disabled")
        expired = row["expires_at"] is not None and row["expires_at"] <= now
        state = (
            "revoked" if row["revoked_at"] else "disabled" if disabled else "expired" if expired else "live"
        )
        listed.append(row | {"state": state})
    return listed


def live_token_digest(db: Database, token_id: str) -> str | None:
    """The digest of the token not revoked whose digest begins with ``token_id`` (12 hex digits,
    as :func:`list_tokens` names it); ``None`` when there is none (or, never yet seen, two)."""
    found = db.conn.execute(
        "SELECT token_sha256 FROM api_tokens WHERE substr(token_sha256, 1, 12) = ? AND revoked_at IS NULL",
        [token_id],
    ).fetchall()
    return str(found[0][0]) if len(found) == 1 else None


def revoke_token(db: Database, token_sha256: str, *, actor: str) -> None:
    def work(db: Database) -> None:
        row = db.conn.execute(
            "SELECT username FROM api_tokens WHERE token_sha256 = ? AND revoked_at IS NULL",
            [token_sha256],
        ).fetchone()
        if row is None:
            raise NotFoundError("no live token with that hash")
        db.conn.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE token_sha256 = ?", [utc_now(), token_sha256]
        )
        audit.append(
            db,
            actor=actor,
            action="token.revoke",
            entity="user",
            entity_id=str(row[0]),
            reason="API token revoked",
            data={"token_sha256_prefix": token_sha256[:8]},
        )

    write(db, work)
