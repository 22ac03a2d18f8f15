"""Schema upgrades in the upgraded log's own audit trail (``log.upgrade``, entity ``log``): from
which schema to which, when (the entry's time), by whom, and the backup taken first (its path and
its chain head). Without it the trail went on across an upgrade as if nothing had happened:
migration ``0019`` recorded values "found at the upgrade" with no entry saying when that was, and
an inquiry could not tell which backup holds the log as it was. Compared with no table
(:mod:`referral.audit_rows` skips entity ``log``); ``verify-audit`` lists them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from referral import audit

if TYPE_CHECKING:
    from referral.backup import BackupReport

ACTION = "log.upgrade"
#: Who an upgrade is recorded by when no person ran it (``triage serve``, a device gateway).
UPGRADE_ACTOR = "clinic-triage"


def record_upgrade(
    db: Database, log: str, before: list[str], applied: list[str], kept: BackupReport | None, actor: str
) -> int:
    """Append the upgrade of ``log`` from the migrations ``before`` by ``applied``, inside the
    upgrade's own transaction (after its migrations: recorded if and only if it happened), with the
    backup ``kept`` first (``None``: none taken - a log just restored from a backup file, which is
    that copy). Returns the entry's ``seq``."""
    after = [*before, *applied]
    head = None if kept is None else kept.audit
    backup = None if kept is None else str(kept.path)
    return audit.append(
        db,
        actor=actor,
        action=ACTION,
        entity="log",
        entity_id=Path(log).name or "log",
        reason=f"schema upgraded from {len(before)} to {len(after)}"
        + (f"; the log as it was is backed up at {backup}" if backup else "; no backup taken first"),
        data={
            "from_schema": len(before),
            "from_migration": before[-1],
            "to_schema": len(after),
            "to_migration": after[-1],
            "applied": applied,
            "backup": backup,
            "backup_head": None
            if head is None or head.head_hash is None
            else f"{head.entries}:{head.head_hash}",
        },
    )


#: A restore of the log from a backup (:func:`referral.restore.record_restore`).
RESTORE_ACTION = "log.restore"


def recorded_upgrades(db: Database) -> list[dict[str, Any]]:
    """The upgrades the trail records, oldest first: each entry's ``seq``, ``at``, ``actor`` and what
    :func:`record_upgrade` put in its data."""
    return recorded(db, ACTION)


def recorded(db: Database, action: str) -> list[dict[str, Any]]:
    """The trail's entries of the log itself with ``action`` (``log.upgrade``, ``log.restore``),
    oldest first: each entry's ``seq``, ``at``, ``actor`` and its data."""
    rows = db.conn.execute(
        "SELECT seq, at, actor, data FROM audit WHERE entity = 'log' AND action = ? ORDER BY seq", (action,)
    )
    return [{"seq": seq, "at": at, "actor": actor} | json.loads(data) for seq, at, actor, data in rows]


def restores_text(restores: list[dict[str, Any]]) -> str:
    """``verify-audit``'s line naming the restores the trail records; empty when there are none."""
    if not restores:
        return ""
    each = "; ".join(
        f"entry {r['seq']} at {r['at']} by {r['actor']}: from {r['from']}"
        + (f" (its chain head {_short(r['backup_head'])})" if r.get("backup_head") else "")
        + (f", the replaced log kept as {r['replaced'][0]}" if r.get("replaced") else ", no log replaced")
        for r in restores
    )
    return f"restores recorded: {each}"


def _short(head: str) -> str:
    """``SEQ:HASH`` with the hash's first 12 hex digits (the whole is in ``--json``)."""
    seq, _, digest = head.partition(":")
    return f"{seq}:{digest[:12]}..."


def upgrades_text(upgrades: list[dict[str, Any]]) -> str:
    """``verify-audit``'s line naming them; empty when there are none."""
    if not upgrades:
        return ""
    each = "; ".join(
        f"entry {u['seq']} at {u['at']}: schema {u['from_schema']} to {u['to_schema']} by {u['actor']},"
        f" {'backup taken first: ' + u['backup'] if u['backup'] else 'no backup taken first'}"
        for u in upgrades
    )
    return f"schema upgrades recorded: {each}"
