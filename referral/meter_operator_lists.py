"""Which operator list each point-of-care meter acknowledged (migration ``0017``), kept across
gateway restarts.

The device gateway sends a clinic's operator list to each POCT1-A2 meter and sends it again only
when it changed (``devices.operator_delivery``). What a meter holds is remembered here, one row
per (gateway device, meter): the digest of the list it acknowledged completely, how many
operators it had and when. A list that is begun and not acknowledged completely (refused,
unanswered, the link lost) leaves the meter's holding unknown, so the row is deleted when a list
is begun (:meth:`MeterOperatorLists.begun`) and written again only when the meter acknowledged the
whole list: a meter without a row is sent the list.

Plain records only: nothing here knows about protocols or the ``devices`` package.
:class:`MeterOperatorLists` is the SQLite side of ``devices.operator_delivery.AcknowledgedLists``.
A database error never ends the device's conversation: it is logged, and the worst outcome is
that a meter is sent its list once more.
"""

from __future__ import annotations

import logging
import sqlite3

from sqlite_utils import Database

from referral.inbox import utc_now

log = logging.getLogger(__name__)


def acknowledged_digest(db: Database, device_id: str, meter: str) -> str | None:
    """The digest of the list ``meter`` (behind gateway device ``device_id``) acknowledged
    completely, or None when none is known."""
    row = db.execute(
        "SELECT digest FROM meter_operator_lists WHERE device_id = ? AND meter = ?", [device_id, meter]
    ).fetchone()
    return str(row[0]) if row else None


def record_acknowledged(db: Database, device_id: str, meter: str, digest: str, operators: int) -> None:
    """``meter`` acknowledged every message of the list with this digest (committed on return)."""
    with db.atomic():
        db.execute(
            "INSERT INTO meter_operator_lists (device_id, meter, digest, operators, acknowledged_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id, meter) DO UPDATE SET"
            " digest = excluded.digest, operators = excluded.operators,"
            " acknowledged_at = excluded.acknowledged_at",
            [device_id, meter, digest, operators, utc_now()],
        )


def forget(db: Database, device_id: str, meter: str) -> None:
    """What ``meter`` holds is no longer known (a list was begun): it is sent the list next time."""
    with db.atomic():
        db.execute("DELETE FROM meter_operator_lists WHERE device_id = ? AND meter = ?", [device_id, meter])


class MeterOperatorLists:
    """The acknowledged operator lists of the meters behind one gateway device, in the clinic
    database (the ``AcknowledgedLists`` of ``devices.operator_delivery``)."""

    def __init__(self, db: Database, device_id: str) -> None:
        self._db = db
        self._device_id = device_id

    def _failed(self, what: str, meter: str, exc: sqlite3.Error, outcome: str) -> None:
        log.error(
            "device %s: cannot %s the operator list of meter %s in the clinic database (%s: %s); %s",
            self._device_id,
            what,
            meter,
            type(exc).__name__,
            exc,
            outcome,
        )

    def held(self, meter: str) -> str | None:
        try:
            return acknowledged_digest(self._db, self._device_id, meter)
        except sqlite3.Error as exc:
            self._failed("read", meter, exc, "the list is sent to it")
            return None

    def begun(self, meter: str) -> None:
        try:
            forget(self._db, self._device_id, meter)
        except sqlite3.Error as exc:
            self._failed("forget", meter, exc, "the list is sent all the same")

    def acknowledged(self, meter: str, digest: str, operators: int) -> None:
        try:
            record_acknowledged(self._db, self._device_id, meter, digest, operators)
        except sqlite3.Error as exc:
            self._failed("record", meter, exc, "it will be sent the list once more")
