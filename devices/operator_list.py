"""A clinic's operator list: who may use its point-of-care meters, read from a CSV file (pure).

The file is kept by the clinic (a profile's ``[poct1a] operator_list`` names it) and sent to each
POCT1-A2 meter, which then locks out anyone not on it (``devices.poct1a_conversation``). Format,
UTF-8 (a byte-order mark, as spreadsheet programs write, is allowed)::

    # lines starting with '#' are comments
    operator_id,name,permission_level,expires
    N001,Li Wei,1,2027-06-30

* ``operator_id`` - what the operator scans or types at the meter (at most 40 characters); unique.
* ``name`` - shown on the meter (at most 60 characters; any script, e.g. Chinese).
* ``permission_level`` - the meter's access level code, as its vendor defines it (commonly 1 user,
  2 key operator, 4 supervisor); 1-8 letters or digits.
* ``expires`` - the last day (YYYY-MM-DD) the operator's certification is valid; from the next
  day the operator is left out of what is sent.

The header names the columns (any order). Every problem is an :class:`OperatorListError` naming
the file, the line and the column. Nothing here reads a clock: the caller says what day it is.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from devices.errors import OperatorListError
from referral.errors import json_text
from referral.plurals import counted

COLUMNS = ("operator_id", "name", "permission_level", "expires")
MAX_ID, MAX_NAME = 40, 60
_LEVEL = re.compile(r"[A-Za-z0-9]{1,8}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Operator:
    """One certified operator, as the clinic listed them."""

    operator_id: str
    name: str
    permission_level: str
    expires: date  # last valid day of the certification
    line: int = 0  # line in the file (0 when not read from a file)

    def is_expired(self, today: date) -> bool:
        return today > self.expires


@dataclass(frozen=True, slots=True)
class OperatorList:
    """Every operator in the file, in file order; ``source`` names the file."""

    source: str
    operators: tuple[Operator, ...]

    def current(self, today: date) -> tuple[Operator, ...]:
        """The operators whose certification is still valid on ``today``: what is sent."""
        return tuple(o for o in self.operators if not o.is_expired(today))

    def expired(self, today: date) -> tuple[Operator, ...]:
        return tuple(o for o in self.operators if o.is_expired(today))

    def describe(self, today: date) -> str:
        """One line for the CLI and the log: how many are sent, and who is left out and why."""
        current, expired = self.current(today), self.expired(today)
        text = f"operator list {self.source}: {counted(len(current), 'operators')} sent to the meters"
        if expired:
            who = ", ".join(f"{o.operator_id} {o.name} (expired {o.expires.isoformat()})" for o in expired)
            text += f"; {len(expired)} left out, certification expired: {who}"
        if not current:
            text += "; NO operator is certified: the meters will let nobody measure"
        return text


def digest(operators: tuple[Operator, ...]) -> str:
    """A fingerprint of what a meter is given (order included; file lines are not): equal
    digests mean the meter already holds this list."""
    rows = [[o.operator_id, o.name, o.permission_level, o.expires.isoformat()] for o in operators]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def _problem(source: str, line: int, column: int | None, what: str) -> OperatorListError:
    if column is None:
        return OperatorListError(f"{source} line {line}: {what}")
    return OperatorListError(f"{source} line {line}, column {column}: {what}")


def _text(value: str, source: str, line: int, column: int, name: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise _problem(source, line, column, f"{name} is empty")
    if _CONTROL.search(text):
        raise _problem(source, line, column, f"{name} {json_text(text)} contains a control character")
    if len(text) > limit:
        raise _problem(
            source, line, column, f"{name} is {len(text)} characters long, at most {limit} allowed"
        )
    return text


def _expiry(value: str, source: str, line: int, column: int) -> date:
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise _problem(
            source, line, column, f"expires {json_text(text)} is not a date (YYYY-MM-DD, the last valid day)"
        ) from None


def _header(fields: list[str], source: str, line: int) -> dict[str, int]:
    """Column name -> index, checked: each of COLUMNS exactly once, nothing else."""
    where: dict[str, int] = {}
    for i, raw in enumerate(fields):
        name = raw.strip().lower()
        if name not in COLUMNS:
            raise _problem(
                source,
                line,
                i + 1,
                f"unknown column {json_text(raw.strip())} (the columns are {', '.join(COLUMNS)})",
            )
        if name in where:
            raise _problem(source, line, i + 1, f"column {name} appears twice")
        where[name] = i
    missing = [c for c in COLUMNS if c not in where]
    if missing:
        raise _problem(source, line, None, f"the header has no column {', '.join(missing)}")
    return where


def parse_operator_list(text: str, source: str) -> OperatorList:
    """Parse the file's text (see the module docstring). Raises :class:`OperatorListError`."""
    columns: dict[str, int] | None = None
    operators: list[Operator] = []
    first_line: dict[str, int] = {}
    lines = text.splitlines()
    for line, raw_line in enumerate(lines, start=1):
        fields = next(csv.reader([raw_line]), [])  # each line on its own: a name never spans lines
        if not any(f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        if columns is None:
            columns = _header(fields, source, line)
            continue
        if len(fields) != len(columns):
            raise _problem(source, line, None, f"{len(fields)} columns, the header has {len(columns)}")
        operator_id = _text(
            fields[columns["operator_id"]], source, line, columns["operator_id"] + 1, "operator_id", MAX_ID
        )
        if operator_id in first_line:
            raise _problem(
                source,
                line,
                columns["operator_id"] + 1,
                f"operator_id {json_text(operator_id)} is already on line {first_line[operator_id]}",
            )
        first_line[operator_id] = line
        name = _text(fields[columns["name"]], source, line, columns["name"] + 1, "name", MAX_NAME)
        level = fields[columns["permission_level"]].strip()
        if not _LEVEL.fullmatch(level):
            raise _problem(
                source,
                line,
                columns["permission_level"] + 1,
                f"permission_level {json_text(level)} is not the meter's level code (1-8 letters or digits, e.g. 1 or 4)",
            )
        expires = _expiry(fields[columns["expires"]], source, line, columns["expires"] + 1)
        operators.append(Operator(operator_id, name, level, expires, line))
    if columns is None:
        raise _problem(source, 1, None, f"no header line ({','.join(COLUMNS)})")
    if not operators:
        raise _problem(
            source, len(lines), None, "no operators listed (a meter given an empty list locks everyone out)"
        )
    return OperatorList(source, tuple(operators))


def read_operator_list(path: Path) -> OperatorList:
    """Read and parse an operator list file; errors name the file (and line and column)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise OperatorListError(f"{source}: operator list not found (no such file)") from None
    except OSError as exc:
        raise OperatorListError(f"{source}: cannot read the operator list: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = raw.count(b",", raw.rfind(b"\n", 0, exc.start) + 1, exc.start) + 1
        raise OperatorListError(
            f"{source} line {line}, column {column}: not UTF-8 text (save the file as UTF-8)"
        ) from None
    return parse_operator_list(text, source)
