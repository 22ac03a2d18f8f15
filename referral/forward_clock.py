"""Wall-clock time that never goes back: what expiry and "last used" are measured against.

Sessions end ``session_max_age_s`` after login and ``idle_logout_s`` after their last use; API
tokens at their ``expires_at``. Measured against the wall clock alone, a clock set back (a wrong
manual correction, a dead RTC battery at boot before NTP, a virtual machine restored from a
snapshot) brought an expired token back to life and gave every session the hours the clock lost.
A :class:`ForwardClock` reads the wall clock, and when it reads earlier than the time it last
gave, it goes on from that time by the monotonic clock (which no one sets) instead: what expired
stays expired, and lifetimes keep counting in real seconds. Once the wall clock has caught up
(the clock set right again, or time passing) it is the wall clock again.

It starts from the newest time the referral log holds (:func:`newest_time`: the audit trail's
newest entries, sessions' last use, tokens' last use, and the time the service counted, which it
writes every minute and when it stops - :func:`remember`, migration 0028), so a restart after the
clock was set back does not revive what the service already counted past: a token that expired
unused while the service ran came back to life when nothing was written after its expiry. A step back is said once in the service
log (a warning) and, while the wall clock is behind, by :meth:`ForwardClock.behind` (``/readyz``
to an administrator).

It fails closed: a clock that ran ahead (set to next year by mistake) and was then set right leaves
the service counting from that later time until the clock reaches it - tokens whose expiry lies
between are refused as expired (issue new ones), sessions end by their limits as usual.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database

log = logging.getLogger(__name__)

#: Smaller steps back are the ordinary jitter of the clocks' readings, not a clock set back.
TOLERANCE_S = 1.0
#: How many of the newest audit entries :func:`newest_time` reads (their times, not the last one's:
#: after a step back the newest entry is not the latest time).
NEWEST_ENTRIES = 1000


def utc_text(moment: float) -> str:
    """Epoch seconds as ``2026-12-06T07:05:01Z``."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SetBack:
    """The wall clock read ``behind_s`` seconds earlier than the clock's time, first at ``noticed_at``
    (the clock's time, epoch seconds)."""

    behind_s: float
    noticed_at: float

    def said(self) -> str:
        return (
            f"the machine's clock is {self.behind_s:.0f} s behind the time this service already counted"
            f" (it was set back; noticed at {utc_text(self.noticed_at)}): session and API token expiry and"
            " their last use count on from that time by the monotonic clock, so nothing expired comes"
            " back; new records are stamped with the machine's clock - set it right (timedatectl, NTP)"
        )


class ForwardClock:
    """Epoch seconds from ``wall`` that never go back: after a step back of ``wall``, the time
    given last plus the ``monotonic`` seconds since. Thread-safe; call it as ``time.time``."""

    def __init__(
        self,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        floor: float = 0.0,
    ) -> None:
        self.wall = wall
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._last: tuple[float, float] | None = None  # (time given, monotonic then)
        self._floor = floor
        self._set_back: SetBack | None = None

    def hold_at_least(self, moment: float) -> None:
        """Never give a time before ``moment`` (the newest the referral log holds)."""
        with self._lock:
            self._floor = max(self._floor, moment)

    def __call__(self) -> float:
        wall, mono = self.wall(), self.monotonic()
        with self._lock:
            now = max(wall, self._floor)
            if self._last is not None:
                given, then = self._last
                now = max(now, given + max(0.0, mono - then))
            self._last = (now, mono)
            behind = now - wall
            if behind > TOLERANCE_S and self._set_back is None:
                self._set_back = SetBack(behind, now)
                log.warning(
                    "clock: the wall clock reads %s, %.0f s before %s, the time this service already"
                    " counted (it was set back): expiry of sessions and API tokens goes on from that time"
                    " by the monotonic clock; set the machine's clock right (timedatectl, NTP)",
                    utc_text(wall),
                    behind,
                    utc_text(now),
                )
            elif behind > TOLERANCE_S and self._set_back is not None:
                self._set_back = SetBack(behind, self._set_back.noticed_at)
            elif behind <= TOLERANCE_S and self._set_back is not None:
                log.warning("clock: the wall clock has caught up (%s); it is used again", utc_text(wall))
                self._set_back = None
            return now

    def behind(self) -> SetBack | None:
        """How far the wall clock is behind, while it is (as of the last reading)."""
        with self._lock:
            return self._set_back


def remember(db: Database, moment: float) -> None:
    """Keep ``moment`` (the service's clock reading) as the time the service counted, unless the log
    holds a later one: a floor for the clock after a restart (:func:`newest_time`). Not audited."""
    db.conn.execute(
        "INSERT INTO service_clock (id, counted_at) VALUES (1, ?)"
        " ON CONFLICT (id) DO UPDATE SET counted_at = max(counted_at, excluded.counted_at)",
        [moment],
    )


def newest_time(db: Database) -> float:
    """The newest time the referral log holds (epoch seconds; 0 for a new log): its newest audit
    entries' times, staff sessions' last use, API tokens' last use and creation, and the time the
    service counted (:func:`remember`; a log from before migration 0028 has none)."""
    newest = 0.0
    queries = (
        f"SELECT max(at) FROM (SELECT at FROM audit ORDER BY seq DESC LIMIT {NEWEST_ENTRIES})",
        "SELECT max(max(created_at), max(coalesce(last_used_at, ''))) FROM api_tokens",
    )
    for query in queries:
        found = db.conn.execute(query).fetchone()[0]
        with contextlib.suppress(TypeError, ValueError):  # a time that does not read as one: not a floor
            newest = max(newest, datetime.fromisoformat(str(found)).timestamp())
    seen = db.conn.execute("SELECT max(last_seen) FROM staff_sessions").fetchone()[0]
    newest = max(newest, seen if isinstance(seen, int | float) else 0.0)
    with contextlib.suppress(sqlite3.OperationalError):  # a log from before migration 0028
        counted = db.conn.execute("SELECT max(counted_at) FROM service_clock").fetchone()[0]
        newest = max(newest, counted if isinstance(counted, int | float) else 0.0)
    return newest
