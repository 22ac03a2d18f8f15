"""The root of the project's single error tree.

It lives in the bottom layer (``referral``) so that every package - ``devices``, ``analytics``,
``triage`` - can raise errors from one hierarchy without importing a layer above it. Each package
adds its own subclasses next to its code; delivery layers (CLI, HTTP) translate the tree once.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any


class ClinicError(Exception):
    """An error a user can act on. ``status_hint`` suggests an HTTP status, ``exit_code`` a CLI one.

    The message is English and stable (API clients and logs read it). ``says`` optionally names a
    message the staff pages show instead, in the user's language, filled from ``params`` (plain
    values: ids, names, ISO times); the English message is shown under it. A raise that names none
    takes its class's ``key`` (a stable message key for this kind of error, needing no ``params``
    unless the class always gives them), so the pages never fall back to a sentence for its
    ``code`` alone when the class says more.

    An error keeps its message, ``says``, ``params`` and any attribute a subclass sets when it is
    pickled (passed to or from another process): :meth:`__reduce__` rebuilds it without calling
    the subclass's ``__init__``, whose arguments need not be the message.
    """

    status_hint: int = 500
    exit_code: int = 1
    code: str = "internal_error"
    #: the staff pages' message key for this kind of error when the raise names no ``says``
    key: str | None = None

    def __init__(
        self, *args: object, says: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(*args)
        self.says = says if says is not None else self.key
        self.params: dict[str, object] = dict(params or {})

    def __reduce__(self) -> tuple[object, ...]:
        return _restore, (type(self), self.args, dict(self.__dict__))


def _restore(cls: type[ClinicError], args: tuple[object, ...], state: dict[str, object]) -> ClinicError:
    """Unpickle a :class:`ClinicError`: the same class, message, ``says``, ``params`` and attributes."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class UserInputError(ClinicError):
    """Input from a person or a file is invalid; the message says what and where."""

    status_hint, exit_code, code = 422, 2, "invalid_input"


class ConfigError(UserInputError):
    """A settings file, policy file or profile is invalid."""

    code = "invalid_config"
    key = "error.invalid_config"


class NotFoundError(ClinicError):
    status_hint, exit_code, code = 404, 1, "not_found"


class ConflictError(ClinicError):
    """The request conflicts with stored state (impossible transition, duplicate key...)."""

    status_hint, exit_code, code = 409, 1, "conflict"


class ReferralNotFoundError(NotFoundError):
    """No referral of that id in the log (``referral_id``): the API's 404 says 'referral 999 not
    found'; the CLI, which knows the log it opened, names it and how to list its referrals."""

    def __init__(self, referral_id: int) -> None:
        super().__init__(f"referral {referral_id} not found")
        self.referral_id = referral_id


class IntegrityError(ClinicError):
    """Stored or shipped data failed an integrity check (hash mismatch, broken audit chain...)."""

    status_hint, exit_code, code = 500, 1, "integrity_error"
    key = "error.integrity"


class DependencyMissingError(ClinicError):
    """An optional component (R, Spark, Chromium...) is not installed; the message says how."""

    status_hint, exit_code, code = 503, 1, "dependency_missing"
    key = "error.dependency_missing"


class UnknownFacilityError(NotFoundError, UserInputError):
    """A referral or encounter names a facility that is not in the directory."""

    status_hint, exit_code, code = 422, 2, "unknown_facility"
    key = "error.unknown_facility"


class TransitionError(ConflictError):
    """A referral lifecycle transition that the state machine does not allow."""

    code = "impossible_transition"
    key = "error.impossible_transition"


class OpenReferralError(ConflictError):
    """The encounter already has an open referral and the request did not ask for another one."""

    code = "open_referral_exists"
    key = "error.open_referral_exists"


class ReferralNotMadeError(ConflictError):
    """Closing a visit whose decision is a referral or a transfer, with no referral made, and the
    request did not say it closes without one."""

    code = "referral_not_made"


class IdempotencyConflictError(ConflictError):
    """An idempotency key was reused with a different request body."""

    code = "idempotency_conflict"
    key = "error.idempotency_conflict"


class AuditChainError(IntegrityError):
    """The audit trail's hash chain is broken; the message names the first broken entry."""

    code = "audit_chain_broken"
    key = "error.audit_broken"


class AuditMismatchError(IntegrityError):
    """An audited table differs from its audit trail (edited behind the application's back); the
    message names the first row that differs."""

    code = "audit_mismatch"
    key = "error.audit_broken"


class DatabaseBusyError(ClinicError):
    """The referral log stayed locked by another writer for longer than the retry budget."""

    status_hint, exit_code, code = 503, 1, "database_busy"
    key = "error.database_busy"


class StorageError(ClinicError):
    """The referral log's file or disk cannot be used (full, read-only, damaged, I/O error); the
    message names the file and says how to recover. Nothing of the failed write was stored."""

    status_hint, exit_code, code = 503, 1, "storage_error"
    key = "error.storage.other"


class FolderGivenError(StorageError):
    """The referral log's path names a folder: a usage error (exit 2), like a file that is not a log."""

    exit_code = 2


class SchemaTooOldError(UserInputError):
    """A command that only reads was given a referral log an older version wrote: it is not
    upgraded by a reader (``triage referrals migrate`` does that)."""

    code = "schema_too_old"


class SchemaTooNewError(ClinicError):
    """The referral log was migrated by a newer version of the software than this one."""

    status_hint, exit_code, code = 503, 1, "schema_too_new"
    key = "error.schema_too_new"


def json_text(value: object) -> str:
    r"""``value`` as JSON writes it - ``true``, ``null``, ``"58"`` - for a message about an input an
    API client, a JSON or TOML file or a CSV cell gave: Python's ``True``, ``None`` and ``'58'`` are
    not what the user wrote. A value JSON has no form for (a date, bytes) is written as its text.

    Chinese and other printable text stays as it is; a character that prints as nothing or acts on
    the reader's terminal or page - DEL, a C1 control, a zero-width or bidirectional format
    character, a line separator (JSON itself escapes the C0 controls) - is written as its JSON
    ``\u`` escape (a UTF-16 pair above U+FFFF), so the message shows where it is, as repr did."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if text.isprintable() else "".join(map(_printable, text))


def _printable(char: str) -> str:
    if char.isprintable():
        return char
    units = char.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i] << 8 | units[i + 1]:04x}" for i in range(0, len(units), 2))


def shown_input(value: object, limit: int = 80) -> str:
    """`` (got <value>)`` for an error message about a bad input value, the value as JSON writes it
    (:func:`json_text`: ``(got true)``, ``(got null)``, ``(got "58")``): nothing for an object or a
    list (the message names the field inside it), and a long value cut to ``limit`` characters with
    its length (a 400-digit number in a JSON file is not repeated whole) - a text's own length, not
    its JSON quoting's (a 201-character key was said to have 203)."""
    if isinstance(value, dict | list):
        return ""
    text = json_text(value)
    if len(text) > limit:
        length = len(value) if isinstance(value, str) else len(text)
        text = f"{text[: limit - 1]}... ({length} characters)"
    return f" (got {text})"


_PYTHON_LITERAL = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\b(?:True|False|None)\b""")


#: What the patterns of the record's fields ask, in words (a pattern not here is said as pydantic says it).
_PATTERNS_SAID = {
    r"^\S(.*\S)?$": "begins or ends with a space; send it without spaces at either end",
    r"^\S([\s\S]*\S)?$": "begins or ends with a space; send it without spaces at either end",
    r"\S": "is blank; give the text",
    r"^[A-Za-z0-9_.-]{1,64}$": "must be 1 to 64 letters A-Z and a-z, digits, '.', '_' or '-'",
    r"^[0-9a-f]{16}$": "must be 16 hexadecimal digits in lower case (0-9, a-f)",
    r"^[0-9a-f]{12}$": "must be 12 hexadecimal digits in lower case (0-9, a-f), as GET /api/v1/tokens lists it",
}


def validation_message(error: Mapping[str, Any]) -> str:
    """A pydantic error's message (one item of ``ValidationError.errors()``) with the values it
    allows written as JSON writes them: pydantic writes Python's ``Input should be 'primary',
    'secondary' or 'tertiary'`` and ``True``; an API client, a JSON or TOML file or a CSV cell
    reads ``"primary", "secondary" or "tertiary"`` and ``true``, as :func:`shown_input` writes the
    value given. A validator's own message loses the ``Value error, `` pydantic puts before it (the
    reader needs the message). Any other message is returned as it is."""
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "value_error":
        return message.removeprefix("Value error, ")
    if error.get("type") == "string_pattern_mismatch":
        # "String should match pattern '^\\S(.*\\S)?$'" asked the reader to read a regular expression
        return _PATTERNS_SAID.get(str((error.get("ctx") or {}).get("pattern")), message)
    expected = (error.get("ctx") or {}).get("expected")
    if error.get("type") not in ("literal_error", "enum") or not isinstance(expected, str):
        return message
    allowed = _PYTHON_LITERAL.sub(lambda m: json_text(ast.literal_eval(m.group())), expected)
    return message.replace(expected, allowed)
