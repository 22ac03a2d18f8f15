"""The facility directory: primary clinics and the hospitals they refer to; CSV loader.

A CSV is validated completely before anything is written: every bad row and column is reported
(row numbers count the header as line 1), and the valid file is then stored in one transaction,
so a bad file leaves the directory exactly as it was.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlite_utils import Database

from referral import audit
from referral.clinic import CLINIC_KEY, set_setting
from referral.errors import NotFoundError, UnknownFacilityError, UserInputError, json_text
from referral.plurals import counted
from referral.records import FacilityIn, describe
from referral.transactions import insert_row, one_row, write

COLUMNS = (
    "id",
    "name",
    "tier",
    "region_code",
    "lon",
    "lat",
    "beds",
    "capacity",
    "digital_triage_start",
)
OPTIONAL = frozenset({"digital_triage_start", "synthetic"})
DEMO_CSV = Path(__file__).parent / "data" / "demo_facilities.csv"
MAX_REPORTED = 10


def parse_csv(text: str, source: str) -> list[FacilityIn]:
    """Parse and validate a facility CSV; raise one :class:`UserInputError` listing every problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL]
    unknown = [c for c in header if c not in COLUMNS and c not in OPTIONAL]
    if not header:
        raise UserInputError(f"{source}: empty file; expected a header line: {','.join(COLUMNS)}")
    if missing or unknown:
        raise UserInputError(
            f"{source} line 1: header "
            + (f"is missing column(s) {', '.join(missing)}" if missing else "")
            + ("; " if missing and unknown else "")
            + (f"has unknown column(s) {', '.join(unknown)}" if unknown else "")
            + f"; expected {','.join(COLUMNS)}[,synthetic]"
        )
    problems: list[str] = []
    facilities: list[FacilityIn] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(f"line {line}: more fields than the header has columns")
            continue
        row: dict[str, Any] = {k.strip(): (v or "").strip() for k, v in raw.items()}
        if all(value == "" for value in row.values()):
            continue
        for key in OPTIONAL:
            if row.get(key) == "":
                row.pop(key)
        try:
            facility = FacilityIn.model_validate(row)
        except ValidationError as error:
            problems.append(f"line {line}: {describe(error)}")
            continue
        except UserInputError as error:  # a NUL in a cell (records.refuse_nul), named by its field
            problems.append(f"line {line}: {error}")
            continue
        if facility.id in seen:
            problems.append(f"line {line}: id {json_text(facility.id)} repeats line {seen[facility.id]}")
            continue
        seen[facility.id] = line
        facilities.append(facility)
    if problems:
        # one line (the CLI escapes a newline in an error, so that no cell can forge a line: the rows
        # it listed on lines of their own read "...:\x0a  line 2: ...")
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f"; ... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise UserInputError(
            f"{source}: {counted(len(problems), 'invalid rows')}, nothing was loaded: {shown}{more}"
        )
    if not facilities:
        raise UserInputError(f"{source}: no facility rows after the header")
    return facilities


def load_csv(db: Database, path: Path, *, actor: str, clinic: str | None = None) -> list[FacilityIn]:
    """Validate ``path`` completely, then upsert every facility in one audited transaction."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserInputError(f"facility CSV {path} does not exist") from error
    except IsADirectoryError as error:
        raise UserInputError(f"facility CSV {path} is a folder; give the CSV file") from error
    except UnicodeDecodeError as error:
        raise UserInputError(
            f"facility CSV {path}: byte {error.start} is not UTF-8; save the file as UTF-8"
        ) from error
    facilities = parse_csv(text, str(path))
    ids = {f.id for f in facilities}
    if clinic is not None and clinic not in ids:
        raise UnknownFacilityError(f"--clinic {json_text(clinic)} is not a facility id in {path}")

    def work(db: Database) -> None:
        for facility in facilities:
            upsert(db, facility, actor=actor, reason=f"loaded from {path.name}")
        if clinic is not None:
            set_setting(db, CLINIC_KEY, clinic, actor=actor, reason=f"clinic named when loading {path.name}")

    write(db, work)
    return facilities


def upsert(db: Database, facility: FacilityIn, *, actor: str, reason: str) -> None:
    """Insert or replace one facility (inside a write transaction) and audit it."""
    row = facility.model_dump(mode="json")
    row["synthetic"] = int(facility.synthetic)
    existing = db.conn.execute("SELECT 1 FROM facilities WHERE id = ?", [facility.id]).fetchone()
    insert_row(db, "facilities", row, upsert_on="id")
    audit.append(
        db,
        actor=actor,
        action="facility.update" if existing else "facility.create",
        entity="facility",
        entity_id=facility.id,
        reason=reason,
        data=row,
    )


def require(db: Database, facility_id: str, role: str) -> dict[str, Any]:
    """The facility row, or an :class:`UnknownFacilityError` that names the role and the id."""
    row = get(db, facility_id)
    if row is None:
        count = db.conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
        hint = (
            "the facility directory is empty; load one with `triage referrals facilities load`"
            if count == 0
            else f"the directory has {count} facilities (`triage referrals facilities list`)"
        )
        raise UnknownFacilityError(
            f"{role} {json_text(facility_id)} is not in the facility directory; {hint}"
        )
    return row


def get(db: Database, facility_id: str) -> dict[str, Any] | None:
    # on the connection itself: sqlite_utils' db.query wraps each query in a savepoint of its own,
    # two statements more on every walk-in of a clinic whose own facility is in the directory
    return one_row(db, "SELECT * FROM facilities WHERE id = ?", [facility_id])


def get_or_404(db: Database, facility_id: str) -> dict[str, Any]:
    row = get(db, facility_id)
    if row is None:
        raise NotFoundError(f"facility {json_text(facility_id)} not found")
    return row


def list_all(db: Database, tier: str | None = None) -> list[dict[str, Any]]:
    if tier is None:
        return list(db.query("SELECT * FROM facilities ORDER BY tier, id"))
    return list(db.query("SELECT * FROM facilities WHERE tier = ? ORDER BY id", [tier]))
