"""The device's clock against the gateway's: a result timed in the future, or long before it
arrived, is held for review instead of being stored as the device timed it and fed to triage.

Analyzer and monitor clocks drift, lose an hour at a daylight-saving change, and go back to their
factory date (often 2000-01-01) when a backup battery runs flat. A result's time orders it among
the patient's readings, so a result timed in 2031 would be the patient's *latest* reading for
years, hiding every real one after it; one timed in 2000 would be filed a quarter of a century
back. The gateway knows when each message reached it (``received_at``, its own UTC clock), so:

* a result timed more than the profile's ``[clock] max_ahead`` seconds after ``received_at``
  gets the flag :data:`~devices.results.CLOCK_AHEAD`;
* one timed more than ``[clock] max_age`` seconds before ``received_at`` gets
  :data:`~devices.results.CLOCK_OLD`;

and either is downgraded to ``preliminary`` (as a result of an incomplete message is), with a
comment naming both times and the status the device gave, so the gateway holds it for a person
(``devices.hold.holds``, kind ``clock``) and the held worklist lists it for its device time. The device
time is kept as sent: it is part of the exactly-once key, so a resend is still recognised.

Applied live only (the gateway's decoder): a capture replayed later has no receipt time to
compare with. Results without a device time (line protocols) are timed at receipt, never held.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from devices.profile import DeviceProfile
from devices.results import CLOCK_AHEAD, CLOCK_OLD, DeviceResult

_HELD_STATUSES = frozenset({"final", "corrected"})


def span(delta: timedelta) -> str:
    """``3 days``, ``5 hours``, ``12 minutes``, ``40 seconds``: a clock error in words."""
    seconds = abs(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}s"
    return f"{int(seconds)} seconds"


def clock_problem(observed_at: datetime, received_at: datetime, profile: DeviceProfile) -> str | None:
    """:data:`CLOCK_AHEAD`, :data:`CLOCK_OLD` or None: the device time against the receipt time.
    A device time without a zone is read in the profile's zone."""
    if observed_at.tzinfo is None:
        observed_at = observed_at.replace(tzinfo=profile.zone)
    ahead = observed_at - received_at
    if ahead > timedelta(seconds=profile.clock.max_ahead):
        return CLOCK_AHEAD
    if -ahead > timedelta(seconds=profile.clock.max_age):
        return CLOCK_OLD
    return None


def clock_reason(device_id: str, vendor_code: str, result_time: str, received_at: str, flag: str) -> str:
    """Why a result was held for its time, naming the device, the test and both times."""
    try:
        delta = datetime.fromisoformat(result_time) - datetime.fromisoformat(received_at)
        gap = f"{span(delta)} {'after' if delta.total_seconds() > 0 else 'before'}"
    except (TypeError, ValueError):  # a time the device sent without a zone: no arithmetic
        gap = "after" if flag == CLOCK_AHEAD else "long before"
    if flag == CLOCK_AHEAD:
        why = "the device clock is ahead or its time zone wrong (or this computer's clock is behind)"
    else:
        why = "the device clock may have been reset (or this computer's clock is ahead)"
    # a resend carries the time the device stored with the result: setting the clock fixes the
    # next results, not this one, which a person places
    fix = f"{why}: set it; a person must check this result's time"
    return (
        f"device {device_id} timed result {vendor_code} {result_time}, {gap} the gateway received it "
        f"({received_at}); {fix}"
    )


def hold_mistimed(
    profile: DeviceProfile, results: list[DeviceResult], received_at: datetime
) -> list[DeviceResult]:
    """``results`` with each one whose device time is too far from ``received_at`` flagged and
    downgraded to ``preliminary`` (see the module docstring); the others unchanged."""
    checked = []
    for result in results:
        when = result.observed_at
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=profile.zone)
        flag = clock_problem(when, received_at, profile) if when is not None else None
        if when is None or flag is None:
            checked.append(result)
            continue
        note = (
            f"device time {when.isoformat()} is "
            f"{span(when - received_at)} {'after' if flag == CLOCK_AHEAD else 'before'} "
            f"receipt at {received_at.isoformat()} (device status {result.status})"
        )
        checked.append(
            replace(
                result,
                status="preliminary" if result.status in _HELD_STATUSES else result.status,
                flags=(*result.flags, flag),
                comments=(*result.comments, note),
            )
        )
    return checked
