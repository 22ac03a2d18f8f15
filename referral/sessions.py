"""Staff web sessions: stored by the SHA-256 of the cookie value, joined with the live account.

The service (``triage.service.auth.SessionStore``) creates a random cookie value, hashes it and
keeps the session here; a lookup returns the account's *current* role and whether it is disabled,
so disabling an account or changing its role takes effect on the next request. Sessions are not
clinical data and are not audited; account changes are (``referral.users``), and sign-ins
(``triage.service.auth.SIGN_IN_ACTIONS``, written in the session's transaction).
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from referral.transactions import write, write_unless_locked


def create(db: Database, id_sha256: str, username: str, language: str, csrf_token: str, now: float) -> None:
    def work(db: Database) -> None:
        db.conn.execute(
            "INSERT INTO staff_sessions (id_sha256, username, language, csrf_token, created_at, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [id_sha256, username, language, csrf_token, now, now],
        )

    write(db, work)


def find(db: Database, id_sha256: str) -> dict[str, Any] | None:
    """The session with its account's current role and state, or ``None``."""
    cursor = db.conn.execute(
        "SELECT s.username, u.role, s.language, s.csrf_token, s.created_at, s.last_seen, u.disabled"
        " FROM staff_sessions s JOIN users u ON u.username = s.username WHERE s.id_sha256 = ?",
        [id_sha256],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def touch(db: Database, id_sha256: str, now: float) -> bool:
    """Note the session's use at ``now`` (bookkeeping). Never waits for the log: while another
    writer holds it, nothing is noted (``False``) - a page view asks this on the service's event
    loop, which waited with every other request for as long as SQLite's busy timeout, six times."""
    return write_unless_locked(
        db,
        lambda db: db.conn.execute(
            "UPDATE staff_sessions SET last_seen = ? WHERE id_sha256 = ? AND last_seen < ?",
            [now, id_sha256, now],
        ),
    )


def set_language(db: Database, id_sha256: str, language: str) -> None:
    write(
        db,
        lambda db: db.conn.execute(
            "UPDATE staff_sessions SET language = ? WHERE id_sha256 = ?", [language, id_sha256]
        ),
    )


def rekey(db: Database, id_sha256: str, new_id_sha256: str, csrf_token: str) -> bool:
    """Give the session a new cookie digest and CSRF token (its user, language and times kept);
    False when there is no such session."""
    return bool(
        write(
            db,
            lambda db: (
                db.conn.execute(
                    "UPDATE staff_sessions SET id_sha256 = ?, csrf_token = ? WHERE id_sha256 = ?",
                    [new_id_sha256, csrf_token, id_sha256],
                ).rowcount
            ),
        )
    )


def end(db: Database, id_sha256: str) -> int:
    """End the session; returns whether there was one (1) or not (0)."""
    return write(
        db, lambda db: db.conn.execute("DELETE FROM staff_sessions WHERE id_sha256 = ?", [id_sha256]).rowcount
    )


def end_user(db: Database, username: str) -> int:
    """End every session of ``username``; returns how many there were."""
    return write(
        db,
        lambda db: db.conn.execute("DELETE FROM staff_sessions WHERE username = ?", [username]).rowcount,
    )


def purge_expired(db: Database, now: float, max_age_s: float, idle_s: float) -> int:
    """Delete sessions past their absolute or idle limit; returns how many."""
    return write(
        db,
        lambda db: (
            db.conn.execute(
                "DELETE FROM staff_sessions WHERE created_at < ? OR last_seen < ?",
                [now - max_age_s, now - idle_s],
            ).rowcount
        ),
    )
