"""The clinic's clock: its local time and its day.

The clinic's day is a local date: a patient has one open visit a day (``encounters.day``, the
date of the visit's start in the clinic's zone), the staff queue is today's, device results join
the day's visit. The zone is ``[service] timezone`` when set (:func:`use_zone`, at start-up), else
the machine's - so that a server image running in UTC does not start a Beijing clinic's day at
08:00, putting the morning's patients in yesterday's queue and giving a patient who came at 07:30
a second visit at 08:30. Page times use the same zone (``triage.service.pages.clock``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The clinic's zone, set once at start-up by :func:`use_zone`; None: the machine's.
_zone: ZoneInfo | None = None


def use_zone(name: str | None) -> None:
    """Take ``name`` (an IANA zone, validated by the settings) as the clinic's zone; None: the
    machine's."""
    global _zone
    _zone = zone_named(name)


def zone_named(name: str | None) -> ZoneInfo | None:
    return ZoneInfo(name) if name else None


def zone() -> ZoneInfo | None:
    """The clinic's zone; None: the machine's."""
    return _zone


def now() -> datetime:
    """The clinic's local time now (aware)."""
    return datetime.now(UTC).astimezone(_zone)


def today() -> date:
    """The clinic's local date now."""
    return now().date()


def today_in(name: str | None) -> date:
    """The local date now in the zone ``name`` (None: the machine's), for a command that reads
    the settings without starting the service."""
    return datetime.now(UTC).astimezone(zone_named(name)).date()
