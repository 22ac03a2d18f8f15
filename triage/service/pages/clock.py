"""Times and durations on staff pages, in the clinic's local time: ``[service] timezone`` when set,
else the service machine's zone - often UTC on a server, which put a Beijing clinic's morning at
01:15 on its pages. The zone is the service's clinic clock (``Runtime.clock``, a
:class:`referral.clock.Clock`), passed to each function; the templates' filters take it from the
page's request (``pages/rendering.py``).

Stored times keep the offset they arrived with: a monitor sends ``...+08:00``, a reading observed
at receipt is stored in the service's zone, staff actions in UTC. Slicing the stored text would
show each in its own zone on one page; every page time goes through :func:`local_time` instead.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from referral.clock import Clock


def _local(at: str, clinic: Clock) -> datetime | None:
    """``at`` in the clinic's local time (kept as it is without an offset); None if not ISO, or
    if it has no local time (``0001-01-01T00:00:00+14:00``, stored before such times were refused)."""
    try:
        moment = datetime.fromisoformat(at)
        return clinic.local(moment) if moment.tzinfo is not None else moment
    except (ValueError, OverflowError):
        return None


def local_time(at: str | None, shape: str = "%Y-%m-%d %H:%M", *, clinic: Clock) -> str:
    """A stored ISO time in the clinic's local time; ``-`` for none. Text that is not an ISO time
    is shown as stored (a page never hides a stored value); a time without an offset too."""
    moment = _local(at, clinic) if at else None
    return "-" if not at else at if moment is None else moment.strftime(shape)


def clock(at: str | None, today: datetime | None = None, *, clinic: Clock) -> str:
    """The local time of day (``14:05:09``), with the date in front when it is not today."""
    moment = _local(at, clinic) if at else None
    if moment is None:
        return local_time(at, clinic=clinic)
    now = today or clinic.now()
    return moment.strftime("%H:%M:%S" if moment.date() == now.date() else "%Y-%m-%d %H:%M:%S")


def stamp(at: str | None, today: datetime | None = None, *, clinic: Clock) -> Markup:
    """A record's time in a list (a decision's override history): ``14:05`` when it is today, the
    date (``2026-12-03``) when older, the full local date and time on hover either way."""
    moment = _local(at, clinic) if at else None
    if moment is None:
        return Markup(escape(local_time(at, clinic=clinic)))
    now = today or clinic.now()
    full = moment.strftime("%Y-%m-%d %H:%M")
    shown = moment.strftime("%H:%M" if moment.date() == now.date() else "%Y-%m-%d")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(moment.isoformat(), full, shown)


def duration(minutes: int) -> tuple[str, int]:
    """The message key and number that say ``minutes`` in the largest whole unit: days, hours or
    minutes (``43200`` -> ``("duration.days", 30)``)."""
    if minutes and minutes % 1440 == 0:
        return ("duration.day" if minutes == 1440 else "duration.days"), minutes // 1440
    if minutes and minutes % 60 == 0:
        return "duration.hours", minutes // 60
    return "duration.minutes", minutes
