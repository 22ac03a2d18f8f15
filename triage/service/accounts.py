"""Staff accounts and API tokens: argon2 hashes and token digests kept in the referral log.

The referral log owns the ``users`` and ``api_tokens`` tables; this module decides what goes in
them (hashes, never passwords; token digests, never tokens) and audits every change. There are no
default passwords: the first administrator is created on first run (the ``/setup`` page, or
``triage demo`` which prints generated passwords once).
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlite_utils import Database

from referral import audit, sessions, users
from referral.errors import StorageError
from referral.transactions import when
from referral.users import account_name, checked_username
from triage.errors import ConflictError, NotFoundError, UserInputError, json_text
from triage.service.api.errors import said_again
from triage.service.auth import (
    NO_SUCH_ACCOUNT,
    NotAuthenticatedError,
    Role,
    audit_sign_in,
    write_account,
)
from triage.service.database import Databases
from triage.service.security import hash_password, new_api_token, token_digest, verify_password

T = TypeVar("T")

#: How long an API token works unless ``service.token_max_age_days`` or its issue says otherwise.
DEFAULT_TOKEN_DAYS = 365
#: A token's use is written at most this often (every API request reads it).
TOKEN_TOUCH_EVERY_S = 60.0


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    language: str
    disabled: bool

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "language": self.language,
            "disabled": self.disabled,
        }


def _account(row: dict[str, Any]) -> Account:
    return Account(row["username"], row["role"], row["language"], bool(row["disabled"]))


#: A user's own changes to their account in the audit trail (entity ``user``, actor the user).
ACCOUNT_ACTIONS = {
    "user.password_change": "password changed by its user",
    "user.password_change_refused": "password change refused",
}


def audit_account(db: Database, action: str, username: str, data: dict[str, Any]) -> None:
    """One of :data:`ACCOUNT_ACTIONS` in the audit trail, inside the caller's write."""
    audit.append(
        db,
        actor=username,
        action=action,
        entity="user",
        entity_id=username,
        reason=ACCOUNT_ACTIONS[action],
        data=data,
    )


class Accounts:
    def __init__(
        self,
        databases: Databases,
        token_max_age_days: int = DEFAULT_TOKEN_DAYS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._dbs = databases
        self.token_max_age_days = token_max_age_days
        self.now = now  # (UTC; API tokens' expiry and last use)
        self._times: tuple[datetime, str, str] | None = None

    @property
    def db(self) -> Database:
        return self._dbs.get()

    def count(self) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM users").fetchone()[0])

    def get(self, username: str) -> Account | None:
        row = users.get_user(self.db, username)
        return None if row is None else _account(row)

    def list(self) -> list[Account]:
        return [_account(r) for r in users.list_users(self.db)]

    def _written(self, work: Callable[[Database], T], what: str, again: str = "send it again") -> T:
        """``work`` written (``auth.write_account``): while another writer holds the log past
        ``SIGN_IN_WAIT_MS`` (a backup, a migration) ``DatabaseBusyError``, nothing stored. An
        administrator's account writes waited ``busy_timeout`` per try, six tries (33 s with the
        default 5 s, 6 min with 60 s), then said the same."""
        return write_account(self.db, work, self._dbs.busy_timeout_ms, what, again)

    def create(self, username: str, password: str, role: Role, language: str, *, actor: str) -> Account:
        """A new account (audited ``user.create``); ``DatabaseBusyError`` while the log is held."""
        name = checked_username(username)
        password_hash = hash_password(password, name)  # (slow on purpose: before taking the write lock)
        try:
            row = self._written(
                lambda db: users.create_user(
                    db, name, password_hash, role.value, language=language, actor=actor
                ),
                f"the new account {name}",
            )
        except ConflictError as exc:  # it said 'user "nurse" already exists' alone
            raise said_again(exc, self._taken(name)) from None
        return _account(row)

    def _taken(self, name: str) -> str:
        """What to do about a user name an account holds: another name, or - the account disabled -
        enabling it (as ``triage referrals users add`` says)."""
        held = self.get(name)
        state = "disabled" if held is not None and held.disabled else "active"
        role = f"{held.role}, " if held is not None else ""
        todo = (
            f"POST /api/v1/users/{name}/enable lets it sign in again, or choose"
            if state == "disabled"
            else "choose"
        )
        return f"an account {json_text(name)} ({role}{state}) exists already: {todo} another user name; no account was added"

    def create_first_admin(
        self,
        username: str,
        password: str,
        language: str,
        *,
        signed_in: Callable[[Database, Account], object] | None = None,
    ) -> Account:
        """Create the administrator; refused once any account exists (no takeover of /setup). The
        count and the insert are one ``BEGIN IMMEDIATE`` transaction: of two setups sent at once
        (two PCs, ``serve --workers 2``) one makes the administrator, the other is refused.
        ``signed_in(db, account)`` writes its first session in the same transaction
        (``SessionStore.opened``). While another writer holds the log past ``SIGN_IN_WAIT_MS`` (a
        backup, a migration) raises ``DatabaseBusyError``, nothing stored."""
        name = checked_username(username)
        password_hash = hash_password(password, name)  # (slow on purpose: before taking the write lock)

        def work(db: Database) -> Account:
            if db.conn.execute("SELECT count(*) FROM users").fetchone()[0] > 0:
                raise ConflictError(
                    "an administrator already exists; log in instead", says="error.admin_exists"
                )
            account = _account(
                users.create_user(
                    db, name, password_hash, Role.admin.value, language=language, actor="first-run-setup"
                )
            )
            if signed_in is not None:
                signed_in(db, account)
            return account

        return self._written(work, f"the first administrator account {name}", "send the form again")

    def authenticate(self, username: str, password: str) -> Account | None:
        name = account_name(username)
        row = self.db.conn.execute(
            "SELECT username, role, language, disabled, password_hash FROM users WHERE username = ?", [name]
        ).fetchone()
        stored_hash = None if row is None or row[3] else str(row[4])
        if not verify_password(stored_hash, password) or row is None:
            return None
        return Account(row[0], row[1], row[2], bool(row[3]))

    def login_failed(self, username: str, client: str) -> None:
        """Audit a refused login (``user.login_failed``): the account, or :data:`NO_SUCH_ACCOUNT`
        without what was typed; why (``wrong_password``, ``disabled``, ``no_such_account``) and from
        where. Throttled logins are not recorded one by one (the limit bounds these entries). While
        another writer holds the log (a backup, a migration) it is not waited for: raises
        ``DatabaseBusyError``, nothing recorded, and the login page says the log is busy."""
        account = self.get(account_name(username))
        why = "no_such_account" if account is None else "disabled" if account.disabled else "wrong_password"
        name = NO_SUCH_ACCOUNT if account is None else account.username
        actor = "anonymous" if account is None else account.username
        data = {"client": client, "why": why}

        self._written(
            lambda db: audit_sign_in(db, "user.login_failed", actor, name, data),
            "the refused login",
            "sign in again",
        )

    def change_password(
        self,
        username: str,
        current: str,
        new: str,
        *,
        keep_session: str,
        client: str,
        rekey_to: tuple[str, str] | None = None,
    ) -> int:
        """A user's own new password, the current one given: argon2id-hashed, every other session of
        the account ended (someone who learnt the old password is logged out), audited
        ``user.password_change`` (with the new hash's SHA-256, which ``verify-audit`` compares);
        ``keep_session`` is the SHA-256 of the session it was sent from, which stays. A wrong current
        password or a new one refused by a rule (:func:`check_password_strength`, or the same as the
        current one) changes nothing and is audited ``user.password_change_refused`` with ``why``.
        ``rekey_to`` (a new cookie digest and CSRF token, ``SessionStore.new_key``) re-keys the kept
        session in the same transaction: a second write after the change waited for whoever took
        the log meanwhile, and a busy answer then said nothing was stored. Returns how many other
        sessions ended. While another writer holds the log past ``SIGN_IN_WAIT_MS`` (a backup, a
        migration) the change, or a refusal's audit entry, is not waited for: raises
        ``DatabaseBusyError`` (a refusal's ``why`` in its ``params``), nothing stored."""
        name = account_name(username)

        def written(work: Callable[[Database], object], why: str = "") -> None:
            """``work`` written, or ``DatabaseBusyError`` (``params["why"]``: a refusal's reason)
            while another writer holds the log past ``SIGN_IN_WAIT_MS``."""
            said = {"why": why} if why else None
            what = f"the password change of {name}"
            write_account(self.db, work, self._dbs.busy_timeout_ms, what, "change it again", said)

        def refused(why: str) -> None:
            data = {"client": client, "why": why}
            written(lambda db: audit_account(db, "user.password_change_refused", name, data), why)

        if self.authenticate(name, current) is None:
            refused("wrong_password")
            raise UserInputError(
                "current_password: not this account's password", says="error.current_password_wrong"
            )
        try:
            if new == current:
                raise UserInputError(
                    "password: must differ from the current password", says="error.password_same"
                )
            password_hash = hash_password(new, name)
        except UserInputError as exc:
            refused((exc.says or "error.password").removeprefix("error."))
            raise said_again(exc, f"new_{exc}") from None

        def work(db: Database) -> None:
            db.conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", [password_hash, name])
            ended = db.conn.execute(
                "DELETE FROM staff_sessions WHERE username = ? AND id_sha256 != ?", [name, keep_session]
            ).rowcount
            data = {
                "client": client,
                "sessions_ended": ended,
                "password_hash_sha256": audit.text_sha256(password_hash),
            }
            if keep_session:  # the login page tells that browser, and only it, of the change
                data["session_sha256"] = keep_session  # (pages/account.py changed_from_here)
            audit_account(db, "user.password_change", name, data)
            if keep_session and rekey_to is not None:
                sessions.rekey(db, keep_session, *rekey_to)
            ended_here.append(int(ended))

        ended_here: builtins.list[int] = []
        written(work)
        return ended_here[0]

    def set_language(self, username: str, language: str, *, session: str = "") -> None:
        """The language of ``username``'s pages, and of the session whose cookie digest ``session``
        is (the language switch), in one write. A display preference, not clinical data: no audit
        entry. While another writer holds the log past ``SIGN_IN_WAIT_MS`` raises
        ``DatabaseBusyError``, nothing stored (it waited ``busy_timeout`` per try, six tries)."""
        if language not in ("en", "zh"):
            raise UserInputError(f'language {json_text(language)}: use "en" or "zh"')

        def work(db: Database) -> None:
            db.conn.execute("UPDATE users SET language = ? WHERE username = ?", [language, username])
            if session:
                sessions.set_language(db, session, language)

        self._written(work, f"the language switch of {username}", "switch again")

    def issue_token(self, username: str, label: str, *, actor: str, days: int | None = None) -> str:
        """A new API token for ``username``, working for ``days`` (default: ``service.
        token_max_age_days``); the token is returned once and stored as a digest."""
        if not label.strip():
            raise UserInputError("label: describe what the token is for (e.g. 'lab analyzer bridge')")
        username = account_name(username)  # (as the other account routes find it: "Nurse2" was a 404)
        account = self.get(username)
        if account is None:  # it said 'user "ghost" not found' alone
            raise NotFoundError(
                f"no account {json_text(username)} (GET /api/v1/users lists them, POST /api/v1/users makes"
                " one); no token was issued"
            )
        if account is not None and account.disabled:  # (its token would be refused from the first use)
            raise ConflictError(
                f"username: the account {json_text(account.username)} is disabled, so a token for it"
                f" would be refused; enable it first (POST /api/v1/users/{account.username}/enable); no"
                " token was issued"
            )
        token = new_api_token()
        lasts = timedelta(days=self.token_max_age_days if days is None else days)
        expires = (self.now() + lasts).isoformat(timespec="milliseconds")
        digest = token_digest(token)
        self._written(
            lambda db: users.create_token(
                db, digest, username, label.strip(), actor=actor, expires_at=expires
            ),
            f"the API token for {username}",
        )
        return token

    def expiry_of(self, token: str) -> str | None:
        """When a token not revoked stops working (``None``: unknown, revoked, or no expiry)."""
        row = users.find_token(self.db, token_digest(token))
        return None if row is None else row["expires_at"]

    def tokens(self) -> builtins.list[dict[str, Any]]:
        """Every API token (``referral.users.list_tokens``: never the token or its whole digest)
        with its state now."""
        return users.list_tokens(self.db, self.now().isoformat(timespec="milliseconds"))

    def set_disabled(self, username: str, disabled: bool, *, actor: str) -> Account:
        """Disable an account (its sessions end and its API tokens are refused at once, audited
        ``user.disable``) or enable it again; an administrator cannot disable their own account
        (another administrator does it, so one is always left to undo it). ``DatabaseBusyError``
        while the log is held."""
        name = account_name(username)
        if disabled and name == actor:
            raise ConflictError(
                f"username {json_text(username)}: you cannot disable your own account; another"
                " administrator does it"
            )
        self._written(
            lambda db: users.set_disabled(db, name, disabled, actor=actor),
            f"the {'disabling' if disabled else 'enabling'} of the account {name}",
        )
        account = self.get(name)
        assert account is not None  # (set_disabled raised NotFoundError otherwise)
        return account

    def revoke_token(self, token: str, *, actor: str) -> None:
        """Revoke the API token given (a token leaked, or its device bridge retired): refused from
        its next request on, audited ``token.revoke``."""
        digest = token_digest(token.strip())
        try:
            self._written(lambda db: users.revoke_token(db, digest, actor=actor), "the token's revocation")
        except NotFoundError:
            raise NotFoundError(
                "token: not known, or revoked already (send the token itself, ctk_..., as it was shown"
                " when issued)"
            ) from None

    def revoke_token_id(self, token_id: str, *, actor: str) -> None:
        """Revoke the live token whose ``id`` (``GET /api/v1/tokens``: the first 12 hex digits of its
        SHA-256) is given: one the administrator does not hold. Audited ``token.revoke``."""
        digest = users.live_token_digest(self.db, token_id)
        if digest is None:
            raise NotFoundError(
                f"id: no live token {json_text(token_id)} (not listed by GET /api/v1/tokens, or revoked"
                " already)"
            )
        found = digest
        self._written(
            lambda db: users.revoke_token(db, found, actor=actor), f"the revocation of token {token_id}"
        )

    def _token_times(self) -> tuple[str, str]:
        """Now and a minute ago, as the log writes times, to the second: formatted once a second,
        not at every API request (two ``isoformat`` calls were a third of a token's check)."""
        now = self.now().replace(microsecond=0)
        if self._times is None or self._times[0] != now:
            before = (now - timedelta(seconds=TOKEN_TOUCH_EVERY_S)).isoformat(timespec="milliseconds")
            self._times = (now, now.isoformat(timespec="milliseconds"), before)
        return self._times[1], self._times[2]

    def _expired(self, expires_at: str | None, said: str) -> bool:
        """Whether a token expiring at ``expires_at`` has expired, ``said`` being now cut to the
        second (:meth:`_token_times`): to the millisecond, as ``GET /api/v1/tokens`` lists it - by
        ``said`` alone a token worked up to a second past its expiry. Now is formatted again only in
        the expiry's own second."""
        if expires_at is None or expires_at <= said:
            return expires_at is not None
        if expires_at[:19] != said[:19]:
            return False
        return expires_at <= self.now().isoformat(timespec="milliseconds")

    def token_live(self, token: str) -> bool:
        """Whether ``token`` is still taken - known, not revoked, its account not disabled, not
        expired - without noting a use: asked by a long answer before each part it sends (the
        live-update stream), whose token was checked when it was opened."""
        row = users.find_token(self.db, token_digest(token))
        return row is not None and not self._expired(row["expires_at"], self._token_times()[0])

    def _refuse_if_disabled(self, digest: str) -> None:
        """A token not revoked whose account is disabled is refused saying so: "unknown or revoked"
        sent its holder to ask for a new token, refused the same way."""
        owner = self.db.conn.execute(
            "SELECT t.username FROM api_tokens t JOIN users u ON u.username = t.username"
            " WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND u.disabled = 1",
            [digest],
        ).fetchone()
        if owner is not None:
            raise NotAuthenticatedError(
                f"the API token's account {json_text(owner[0])} is disabled; an administrator enables"
                f" it again (POST /api/v1/users/{owner[0]}/enable)"
            )

    def user_for_token(self, token: str) -> Account | None:
        """The account of a live token (``None``: unknown, revoked or its account disabled); an
        expired one is refused saying so. Its use is noted (``last_used_at``) at most once a minute:
        bookkeeping, skipped on a full or failing disk or while another writer holds the log."""
        digest = token_digest(token)
        row = users.find_token(self.db, digest)
        if row is None:
            self._refuse_if_disabled(digest)
            return None
        said, before = self._token_times()
        if self._expired(row["expires_at"], said):
            raise NotAuthenticatedError(
                f"the API token expired at {when(row['expires_at'])}; an administrator issues a new one"
                " (POST /api/v1/tokens)"
            )
        if row["last_used_at"] is None or row["last_used_at"] < before:
            with contextlib.suppress(StorageError):  # locked or failing: noted at a later use
                users.touch_token(self.db, digest, said, before)
        return Account(row["username"], row["role"], row["language"], False)
