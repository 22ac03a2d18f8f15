"""Change feeds for a client that keeps a copy: the referrals, visits (encounters) and assessments
changed after a cursor, in the order they changed, each once with its state now.

The cursor is the referral log's audit sequence number (``audit.seq``): every change of a referral,
an encounter or an assessment appends its audit entry in the change's own write transaction, and the
log has one writer at a time, so the numbers come in the order the changes were committed and a
reader never sees a later one without the earlier ones. A timestamp cannot promise that (two changes
in one clock tick, a clock set back, a change committed after a later-stamped one), so the feeds take
no ``updated_since`` time: ``after=0`` is the first sync, and every answer's ``cursor`` the next one.

A row changed again while a client reads the pages comes again, later, with its newer state (its
``seq`` is then past the page the client has): nothing is missed, a row may come twice.

A number alone does not say which log gave it: another clinic's cursor, or this clinic's from
before a restore after which new changes took its numbers again, read as a place in this log and
skipped changes without a word (only a cursor past the newest change was caught, ``cursor_ahead``).
So every answer carries ``cursor_hash``, the first 16 hex digits of the audit entry the cursor
numbers (its hash covers the entry and, through the chain, every entry before it), and a client
sends it back as ``after_hash``: an entry with that number whose hash differs is a 409
``cursor_mismatch`` saying to sync again from 0. Without ``after_hash`` a request is read as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlite_utils import Database

from referral import queue as staff_queue
from referral import referrals, store
from referral.transactions import snapshot
from triage.assessment import Disposition
from triage.errors import ConflictError, UserInputError
from triage.service.api import paging
from triage.service.api.analyst_view import StaffPseudonyms, is_analyst
from triage.service.api.clinical_bodies import NEVER_DECIDED, AssessmentOut, EncounterListItem
from triage.service.api.deps import MAX_ID, DbDep
from triage.service.api.errors import error
from triage.service.api.json_body import JsonRoute
from triage.service.api.referrals import Reader, ReferralOut, referral_out
from triage.service.auth import Principal
from triage.service.clinic import stored_assessment_view

router = APIRouter(tags=["changes"], route_class=JsonRoute)
Limit = paging.Limit
PAGE = paging.DEFAULT_LIMIT

#: How many hex digits of an audit entry's hash a cursor carries (64 bits: two logs' entries with
#: the same number share them by chance once in 2^64).
HASH_DIGITS = 16
AfterHash = Annotated[
    str | None,
    Query(
        pattern=f"^[0-9a-f]{{{HASH_DIGITS}}}$",
        description="The last answer's `cursor_hash`, sent with its `cursor` as `after` (the `next` link"
        " carries it): the cursor is checked to be this log's, and a cursor of another log, or of this"
        " log before a restore from a backup after which it changed, is a 409 `cursor_mismatch`."
        " Optional: without it the cursor is not checked (only one past the newest change is refused)",
    ),
]
After = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_ID,
        description="Only rows changed after this cursor: 0 the first time, then the last answer's"
        ' `cursor` (the `Link` header\'s rel="next" and `next` carry it while there are more pages)',
    ),
]


#: A page that is cut is counted from the entries after the cursor (rowid range) while they are at
#: most this many - a client behind by less: ~0.2 ms instead of 2-25 ms by the entity index, which
#: reads the kind's whole history (400,000 entries); further behind, by the index (12-36 ms; from
#: the cursor on it read 180-540 ms there). Measured: docs/service.md, "Change feeds".
RECENT_ENTRIES = 5000


class _Source(NamedTuple):
    """How one feed reads the audit trail (``:after`` the cursor, ``:n`` the page's size)."""

    #: (id, seq, at, action) of each row whose latest change is after the cursor: the entries after
    #: it in rowid order (``+entity``: not by the entity index, which would read the kind's whole
    #: history), each kept unless a later entry of the same row exists (an index seek)
    latest: str
    #: the column ``latest`` is ordered by (the entry's number)
    seq: str
    #: how many rows changed after the cursor, by the entity index (cost: the kind's history)
    total: str

    @property
    def page(self) -> str:
        """``latest`` in the order of the changes, at most ``:n`` rows."""
        return f"{self.latest} ORDER BY {self.seq} LIMIT :n"

    @property
    def recent_total(self) -> str:
        """How many rows changed after the cursor, from the entries after it (cost: those entries)."""
        return f"SELECT count(*) FROM ({self.latest})"


def _single(entity: str) -> _Source:
    """The feed of one audited entity whose ``entity_id`` is the row's id."""
    return _Source(
        latest=f"SELECT CAST(a.entity_id AS INTEGER), a.seq, a.at, a.action FROM audit a"
        f" WHERE +a.entity = '{entity}' AND a.seq > :after AND NOT EXISTS (SELECT 1 FROM audit b"
        f" WHERE b.entity = '{entity}' AND b.entity_id = a.entity_id AND b.seq > a.seq)",
        seq="a.seq",
        total=f"SELECT count(DISTINCT entity_id) FROM audit WHERE entity = '{entity}' AND seq > :after",
    )


_REFERRALS = _single("referral")
_ASSESSMENTS = _single("assessment")
#: A visit changes with its own entries (opened, readings, context, closed) and with its
#: assessments' (a new decision, an override): its latest decision is part of the row.
_VISIT_OF = (
    "CASE a.entity WHEN 'encounter' THEN CAST(a.entity_id AS INTEGER)"
    " ELSE (SELECT s.encounter_id FROM assessments s WHERE s.id = CAST(a.entity_id AS INTEGER)) END"
)
_ENCOUNTERS = _Source(
    latest=f"SELECT c.id, c.seq, c.at, c.action FROM (SELECT {_VISIT_OF} AS id, a.seq, a.at, a.action"
    " FROM audit a WHERE +a.entity IN ('encounter', 'assessment') AND a.seq > :after) AS c"
    " WHERE c.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit b WHERE b.entity = 'encounter'"
    " AND b.entity_id = CAST(c.id AS TEXT) AND b.seq > c.seq)"
    " AND NOT EXISTS (SELECT 1 FROM assessments s JOIN audit b ON b.entity = 'assessment'"
    " AND b.entity_id = CAST(s.id AS TEXT) WHERE s.encounter_id = c.id AND b.seq > c.seq)",
    seq="c.seq",
    total="SELECT count(DISTINCT id) FROM (SELECT CAST(entity_id AS INTEGER) AS id FROM audit"
    " WHERE entity = 'encounter' AND seq > :after UNION ALL SELECT s.encounter_id FROM audit a"
    " JOIN assessments s ON s.id = CAST(a.entity_id AS INTEGER) WHERE a.entity = 'assessment'"
    " AND a.seq > :after)",
)


class Page:
    """A feed's query: the cursor (``after``, with its ``after_hash``) and the page's size."""

    def __init__(self, after: After = 0, after_hash: AfterHash = None, limit: Limit = PAGE) -> None:
        self.after, self.after_hash, self.limit = after, after_hash, limit


PageDep = Annotated[Page, Depends()]


class CursorAheadError(ConflictError):
    """A feed's ``after`` is past the log's newest change: not a cursor this log gave."""

    code = "cursor_ahead"


class CursorMismatchError(ConflictError):
    """A feed's ``after_hash`` is not the hash of this log's entry numbered ``after``."""

    code = "cursor_mismatch"


CURSOR_AHEAD = error(
    "`cursor_ahead`: `after` is past the newest change of this referral log (it was restored from a"
    " backup, or the cursor is another clinic's): sync again from `after=0`; the newest change's"
    " number is in `context.newest`. `cursor_mismatch`: `after_hash` is not the hash of this log's"
    " entry numbered `after` (another log's cursor, or this log's before a restore after which it"
    " changed): sync again from `after=0`"
)


def _not_ahead(db: Database, after: int) -> None:
    """Refuse a cursor past the newest change (the log's audit numbers only grow): a client whose
    clinic restored its log from a backup would wait, in silence, for changes it had been sent,
    and skip the new ones numbered below its cursor."""
    newest = int(db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0)
    if after > newest:
        raise CursorAheadError(
            f"query.after: {after} is past the newest change of this referral log ({newest}): it was"
            " restored from a backup, or the cursor is another log's; sync again from after=0 (rows"
            " come again with their state now: keep the last of each)",
            params={"newest": newest},
        )


def entry_hash(db: Database, seq: int) -> str | None:
    """The first :data:`HASH_DIGITS` hex digits of the hash of audit entry ``seq`` (``None`` for 0)."""
    row = db.conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
    return None if row is None else str(row[0])[:HASH_DIGITS]


def _same_log(db: Database, after: int, after_hash: str | None) -> None:
    """Refuse a cursor whose entry in this log is not the one it was given for (``after_hash``)."""
    if after_hash is None:
        return
    if after == 0:
        raise UserInputError(
            "query.after_hash: given with after=0, which numbers no entry; send it with the cursor it"
            " came with, or leave it out for a first sync"
        )
    here = entry_hash(db, after)
    if here != after_hash:
        raise CursorMismatchError(
            f"query.after_hash: entry {after} of this referral log is not the one the cursor was given"
            f" for (its hash begins {here}, not {after_hash}): the cursor is another log's, or this"
            " log's before it was restored from a backup and changed; sync again from after=0 (rows"
            " come again with their state now: keep the last of each)",
            params={"newest": int(db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0)},
        )


def count_changed(db: Database, source: _Source, after: int) -> int:
    """How many rows of ``source`` changed after ``after``: from the entries after the cursor while
    they are at most :data:`RECENT_ENTRIES`, else by the entity index."""
    newest = db.conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0
    query = source.recent_total if newest - after <= RECENT_ENTRIES else source.total
    return int(db.conn.execute(query, {"after": after}).fetchone()[0])


class Change(BaseModel):
    seq: int = Field(description="The row's latest change (its audit entry's number): the cursor after it")
    changed_at: str = Field(description="When that change was stored (ISO 8601 UTC)")
    action: str = Field(description="What it was, as the audit trail names it, e.g. referral.sent")


class ReferralChange(Change):
    referral: ReferralOut


class EncounterChange(Change):
    encounter: EncounterListItem


class AssessmentChange(Change):
    assessment: AssessmentOut
    final_disposition: Disposition = Field(description="The clinician's latest override, else the engine's")


class _Feed(BaseModel):
    total: int = Field(description="Rows changed after `after`, over all pages")
    next: paging.NextPage
    cursor: int = Field(
        description="Send it as `after` next time: the last row's `seq`, or `after` itself when nothing changed"
    )
    cursor_hash: str | None = Field(
        description="Send it as `after_hash` with the cursor: the first 16 hex digits of the hash of the"
        " audit entry the cursor numbers, by which the next request's cursor is known to be this log's;"
        " null when the cursor is 0"
    )


class ReferralChanges(_Feed):
    data: list[ReferralChange] = Field(description="Referrals in the order of their latest change")


class EncounterChanges(_Feed):
    data: list[EncounterChange] = Field(description="Visits in the order of their latest change")


class AssessmentChanges(_Feed):
    data: list[AssessmentChange] = Field(description="Assessments in the order of their latest change")


def _changed(
    db: Database, source: _Source, after: int, limit: int
) -> tuple[list[tuple[int, int, str, str]], int]:
    """The rows of ``source`` changed after ``after``, each once at its latest change, in the order
    of that change (at most ``limit``), and how many there are over all pages. (The route reads
    them and the rows in one :func:`snapshot`, so the page, the count and the rows agree.)"""
    page = db.conn.execute(source.page, {"after": after, "n": limit}).fetchall()
    # a page shorter than ``limit`` holds every row changed after the cursor (a client's poll that
    # is up to date): its length is the total, and nothing is counted
    total = len(page) if len(page) < limit else count_changed(db, source, after)
    return [(int(i), int(s), str(at), str(action)) for i, s, at, action in page], total


def _as_read(db: Database, who: Principal, rows: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """A feed's rows as ``who`` reads them: the analyst's without staff names and free text."""
    if not is_analyst(who):
        return rows
    staff = StaffPseudonyms(db)
    return {i: staff.row(row) for i, row in rows.items()}


def _feed(
    request: Request,
    response: Response,
    db: Database,
    source: _Source,
    page: Page,
    key: str,
    read: Callable[[list[int]], dict[int, dict[str, Any]]],
) -> dict[str, Any]:
    """A feed's answer: the page of ``source`` after ``after``, each row as ``read`` gives it under
    ``key`` (plus the entries ``read`` adds beside it, under ``_extra``), with the paging fields."""
    after, after_hash, limit = page.after, page.after_hash, page.limit
    with snapshot(db):
        _not_ahead(db, after)
        _same_log(db, after, after_hash)
        rows, total = _changed(db, source, after, limit)
        found = read([row_id for row_id, *_ in rows])
        cursor = rows[-1][1] if rows else after
        cursor_hash = entry_hash(db, cursor)
    following = None
    if total > len(rows):
        following = paging.next_page(request, after=cursor, after_hash=cursor_hash or "")
    paging.answer(response, total, following)
    data = []
    for row_id, seq, at, action in rows:
        item = dict(found[row_id])
        extra = item.pop("_extra", {})
        data.append({"seq": seq, "changed_at": at, "action": action, key: item, **extra})
    return {"data": data, "total": total, "next": following, "cursor": cursor, "cursor_hash": cursor_hash}


@router.get(
    "/changes/referrals",
    summary="Referrals changed after a cursor, in the order they changed (a client's sync)",
    description="Each referral once, with its state now, at its latest change: created, moved along"
    " its lifecycle, its basis corrected by a device or reviewed. Page with `next` (or the `Link`"
    " header); when `next` is null keep `cursor` and send it as `after` next time.",
    responses={**paging.paged(), 409: CURSOR_AHEAD},
)
def referral_changes(
    request: Request, response: Response, db: DbDep, who: Reader, page: PageDep
) -> ReferralChanges:
    def read(ids: list[int]) -> dict[int, dict[str, Any]]:
        shown = referral_out(db, [referrals.get_referral(db, i) for i in ids], who)
        return {r.id: r.model_dump() for r in shown}

    return ReferralChanges.model_validate(_feed(request, response, db, _REFERRALS, page, "referral", read))


@router.get(
    "/changes/encounters",
    summary="Visits (encounters) changed after a cursor, in the order they changed (a client's sync)",
    description="Each visit once, as `GET /api/v1/patients/{id}/encounters` lists it (with its latest"
    " decision), at its latest change: opened, readings added or corrected, context, closed, assessed,"
    " its assessment overridden. Page with `next`; when `next` is null keep `cursor` for `after`.",
    responses={**paging.paged(), 409: CURSOR_AHEAD},
)
def encounter_changes(
    request: Request, response: Response, db: DbDep, who: Reader, page: PageDep
) -> EncounterChanges:
    def read(ids: list[int]) -> dict[int, dict[str, Any]]:
        decided = staff_queue.latest_decisions(db, ids)
        shown = {i: store.get_encounter(db, i) | decided.get(i, NEVER_DECIDED) for i in ids}
        return _as_read(db, who, shown)

    return EncounterChanges.model_validate(_feed(request, response, db, _ENCOUNTERS, page, "encounter", read))


@router.get(
    "/changes/assessments",
    summary="Assessments made or overridden after a cursor, in that order (a client's sync)",
    description="Each assessment once, as `GET /api/v1/assessments/{id}` answers it, with its"
    " `final_disposition` (a clinician's latest override, else the engine's), at its latest change:"
    " made, overridden. Page with `next`; when `next` is null keep `cursor` for `after`.",
    responses={**paging.paged(), 409: CURSOR_AHEAD},
)
def assessment_changes(
    request: Request, response: Response, db: DbDep, who: Reader, page: PageDep
) -> AssessmentChanges:
    def read(ids: list[int]) -> dict[int, dict[str, Any]]:
        stored = [store.get_assessment(db, i) for i in ids]
        return _as_read(
            db,
            who,
            {
                int(row["id"]): stored_assessment_view(row)
                | {"_extra": {"final_disposition": store.final_disposition(db, row)}}
                for row in stored
            },
        )

    return AssessmentChanges.model_validate(
        _feed(request, response, db, _ASSESSMENTS, page, "assessment", read)
    )
