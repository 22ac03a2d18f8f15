"""The clinic's clock: its local time and its day.

The clinic's day is a local date: a patient has one open visit a day (``encounters.day``, the
date of the visit's start in the clinic's zone), the staff queue is today's, device results join
the day's visit. The zone is ``[service] timezone`` when set, else the machine's - so that a
server image running in UTC does not start a Beijing clinic's day at 08:00, putting the morning's
patients in yesterday's queue and giving a patient who came at 07:30 a second visit at 08:30.
Page times use the same zone (``triage.service.pages.clock``).

A :class:`Clock` is a value built once from the settings (``Clock.named(settings.service.timezone)``)
and passed down - the service keeps it in its runtime and its clinic operations, a command builds
its own - never a module's state: two services with different zones in one process (as the tests
run them) each keep their own day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    """The clinic's clock in ``zone``; None: the machine's zone."""

    zone: ZoneInfo | None = None

    @classmethod
    def named(cls, name: str | None) -> Clock:
        """The clock of the zone ``name`` (an IANA zone, validated by the settings); None: the
        machine's."""
        return cls(ZoneInfo(name) if name else None)

    def now(self) -> datetime:
        """The clinic's local time now (aware)."""
        return datetime.now(UTC).astimezone(self.zone)

    def today(self) -> date:
        """The clinic's local date now."""
        return self.now().date()

    def local(self, moment: datetime) -> datetime:
        """An aware ``moment`` in the clinic's local time."""
        return moment.astimezone(self.zone)


#: The machine's clock: for callers that have no clinic settings (a script, a test of the log).
MACHINE = Clock()
