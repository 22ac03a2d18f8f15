"""The append-only, hash-chained audit trail.

Every write of clinical data appends one entry in the *same* transaction: who (``actor``), what
(``action``, ``entity``, ``entity_id``, ``data``), when (``at``) and why (``reason``). Triggers in
the schema reject UPDATE and DELETE on the table. Each entry's ``hash`` is SHA-256 over its own
fields and the previous entry's hash, so editing, deleting or reordering any entry (even with
the triggers dropped) breaks the chain from that entry on; :func:`verify` names the first one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from sqlite_utils import Database

from referral.errors import AuditChainError, UserInputError, json_text
from referral.transactions import current_unit, utc_now

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
#: How many entries stamped before the entry ahead of them :func:`verify` names (by ``seq``).
SET_BACK_NAMED = 20
_FIELDS = ("seq", "at", "actor", "action", "entity", "entity_id", "reason", "data", "prev_hash")


#: The encoder of :func:`canonical_json`, made once: ``json.dumps`` with these options builds a new
#: ``JSONEncoder`` at every call (a dozen calls a walk-in).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces, UTF-8 kept) used for hashing and storage."""
    return _CANONICAL.encode(value)


def text_sha256(text: str) -> str:
    """The SHA-256 (hex) of a text by which the trail records a value it does not repeat."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(entry: Mapping[str, Any]) -> str:
    material = canonical_json({name: entry[name] for name in _FIELDS})
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


#: A text as :func:`canonical_json` writes it (``json.dumps`` with ``ensure_ascii=False`` uses it).
_quoted = encode_basestring


def _row_hash(row: tuple[Any, ...]) -> str:
    """:func:`entry_hash` of a row of :data:`_FIELDS` (then its stored hash, not hashed) as the
    trail stores it (an integer ``seq`` and texts), its canonical JSON written directly - the keys in sorted order - instead of through a
    dictionary and ``json.dumps`` (three times as fast: a year's trail is 276,000 entries). Any
    other row (a value of another type) is hashed by :func:`entry_hash` itself."""
    seq, at, actor, action, entity, entity_id, reason, data, prev_hash, _stored = row
    if type(seq) is int:
        try:
            material = (
                f'{{"action":{_quoted(action)},"actor":{_quoted(actor)},"at":{_quoted(at)},'
                f'"data":{_quoted(data)},"entity":{_quoted(entity)},"entity_id":{_quoted(entity_id)},'
                f'"prev_hash":{_quoted(prev_hash)},"reason":{_quoted(reason)},"seq":{seq}}}'
            )
        except TypeError:  # not a text (a table rebuilt without its types)
            pass
        else:
            return hashlib.sha256(material.encode("utf-8")).hexdigest()
    return entry_hash(dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True)))


def append(
    db: Database,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    reason: str,
    data: Mapping[str, Any],
) -> int:
    """Append one entry; must be called inside the write transaction of the change it records.

    The trail's newest entry, which the new one follows, is read from the log - except inside a
    unit of work of the group commit (``referral.transactions.one_savepoint``), whose later
    appends take it from the unit's own last one (a walk-in's four entries read it four times)."""
    if not db.conn.in_transaction:
        raise RuntimeError("audit.append must run inside the write transaction it records")
    if not actor.strip():
        raise UserInputError(f'audit entry for {entity} {entity_id}: "actor" (who) is empty')
    unit = current_unit(db)
    last: tuple[Any, ...] | None = None if unit is None else unit.audit_tail
    if last is None:
        last = db.conn.execute("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = 1 if last is None else int(last[0]) + 1
    at = utc_now()
    if last is not None and _earlier(at, str(last[2])):
        # The trail's order is its numbers (the chain), so it stays in order; its times are the
        # machine's clock's, which was set back: said, so that nobody reads the times as the order.
        log.warning(
            "audit: entry %d is stamped %s, before entry %d (%s): the machine's clock was set back; the"
            " trail's order is its entries' numbers, not their times - set the clock right (timedatectl, NTP)",
            seq,
            at,
            seq - 1,
            last[2],
        )
    entry: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "reason": reason,
        "data": canonical_json(data),
        "prev_hash": GENESIS_HASH if last is None else str(last[1]),
    }
    # its canonical JSON written directly (the texts and integer seq :func:`_row_hash` takes), not
    # through a dictionary and json.dumps as :func:`entry_hash` does: the same hash, less work
    entry["hash"] = _row_hash((*(entry[name] for name in _FIELDS), None))
    db.conn.execute(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, reason, data, prev_hash, hash)"
        " VALUES (:seq, :at, :actor, :action, :entity, :entity_id, :reason, :data, :prev_hash, :hash)",
        entry,
    )
    if unit is not None:  # (only once the entry is in: a refused INSERT leaves the tail as it was)
        unit.audit_tail = (seq, entry["hash"], at)
    return seq


def _earlier(at: str, before: str) -> bool:
    """Whether the time ``at`` is over a second before ``before`` (ISO 8601; a time that does not
    read as one is not compared)."""
    if at >= before:  # (the usual case, said by the text alone: the log's times have one form)
        return False
    try:
        return (datetime.fromisoformat(before) - datetime.fromisoformat(at)).total_seconds() > 1.0
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class AuditReport:
    entries: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str | None = None
    #: the newest entry's hash when the chain is intact (``None`` for an empty trail): recorded
    #: somewhere else, it anchors every entry up to ``entries`` (see :func:`check_anchor`)
    head_hash: str | None = None
    #: entries stamped over a second before the entry ahead of them (the clock was set back; the
    #: trail's order is its numbers), the first :data:`SET_BACK_NAMED`, by ``seq``
    clock_set_back: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "ok": self.ok,
            "first_broken_seq": self.first_broken_seq,
            "problem": self.problem,
            "head": {"seq": self.entries, "hash": self.head_hash} if self.head_hash else None,
            "clock_set_back": list(self.clock_set_back),
        }


#: How many entries :func:`verify` checks between two calls of its ``progress``.
PROGRESS_EVERY = 50_000


def verify(db: Database, progress: Callable[[int], None] | None = None) -> AuditReport:
    """Walk the chain in ``seq`` order (the rowid: one pass, no sort); report the first entry whose
    link or hash is wrong. ``progress``: called with the entries checked so far every
    :data:`PROGRESS_EVERY` entries (and with 0 first)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    previous_at = ""
    set_back: list[int] = []
    if progress is not None:
        progress(0)
    cursor = db.conn.execute(f"SELECT {', '.join(_FIELDS)}, hash FROM audit ORDER BY seq")
    for row in cursor:
        count += 1
        seq, at, prev_hash, digest = int(row[0]), str(row[1]), row[8], row[9]
        if seq != expected_seq:
            return AuditReport(
                count, False, expected_seq, f"entry {expected_seq} is missing (next entry is {seq})"
            )
        if prev_hash != expected_prev:
            return AuditReport(
                count, False, seq, f"entry {seq} does not link to entry {seq - 1} (prev_hash differs)"
            )
        if _row_hash(row) != digest:
            return AuditReport(
                count, False, seq, f"entry {seq} was altered (its content no longer matches its hash)"
            )
        if at < previous_at and len(set_back) < SET_BACK_NAMED and _earlier(at, previous_at):
            set_back.append(seq)
        previous_at = at
        expected_prev = str(digest)
        expected_seq = seq + 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    head = None if count == 0 else expected_prev
    return AuditReport(count, True, head_hash=head, clock_set_back=tuple(set_back))


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``verify-audit`` (the chain head recorded off the box)."""
    seq, _, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if (
        not seq.strip().isdigit()
        or int(seq) < 1
        or len(digest) != 64
        or not set(digest) <= set("0123456789abcdef")
    ):
        raise UserInputError(
            f"--anchor {json_text(text[:80])}: expected SEQ:HASH, an entry number and its 64 hex digit hash"
            " as verify-audit printed them (e.g. 1024:3f2a...)"
        )
    return int(seq), digest


def check_anchor(db: Database, report: AuditReport, seq: int, digest: str) -> str | None:
    """Whether the (verified) chain still holds entry ``seq`` with hash ``digest``; the problem if not.

    Each entry's hash covers the one before it, so a match proves entries 1..``seq`` are the ones
    the anchor was taken from: a trail rewritten and re-hashed since then cannot match it."""
    if seq > report.entries:
        return (
            f"the anchor names entry {seq} but the trail has {report.entries} entries - entries were"
            " removed and the chain rebuilt, or the anchor is from another log"
        )
    row = db.conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
    found = None if row is None else str(row[0])
    if found != digest:
        return (
            f"entry {seq}'s hash is {found}, the anchor says {digest} - the trail up to entry {seq} was"
            " rewritten since the anchor was recorded, or the anchor is from another log"
        )
    return None


def require_intact(db: Database) -> AuditReport:
    report = verify(db)
    if not report.ok:
        raise AuditChainError(f"audit chain broken at entry {report.first_broken_seq}: {report.problem}")
    return report


def entries_for(db: Database, entity: str, entity_id: str | int) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT seq, at, actor, action, reason, data FROM audit"
        " WHERE entity = ? AND entity_id = ? ORDER BY seq",
        [entity, str(entity_id)],
    )
    return [dict(row, data=json.loads(row["data"])) for row in rows]
