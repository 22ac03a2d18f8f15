"""A reading sent to the API with an ``observed_at`` in the future is refused, naming the field, the
time sent, the service's clock and the allowance.

Nothing is measured in the future: such a time is a mistyped date (2027 for 2026, a day or a month
off) or a clock set wrong, and the engine would store the reading and never use it (``in_future``,
``triage.selection``) - or use it once its time came, days later, as the patient's latest reading.
A device's clock may run a few minutes ahead of the service's, so a reading up to the policy's
``freshness.future_tolerance_minutes`` (5 by default, at most 60) ahead is taken, as the engine
uses it. Results a device gateway receives keep their own path: stored as the device sent them, and
listed as ``in_future`` by the assessment (the device's message is acknowledged; nothing is lost).
The staff pages give no time to type: their readings are observed when the form is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from referral.plurals import counted
from triage.errors import UserInputError
from triage.observation import Observation


def ahead_by(span: timedelta) -> str:
    """How far ahead a time is, in words at the scale that says it: ``12 minutes``, ``3 hours``,
    ``2 days`` (rounded down; ``1 minute`` at least)."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return counted(max(minutes, 1), "minutes")
    if minutes < 2 * 24 * 60:
        return counted(minutes // 60, "hours")
    return counted(minutes // (24 * 60), "days")


def not_ahead(observations: Sequence[Observation], where: str, now: datetime, tolerance: timedelta) -> None:
    """Refuse the first reading (``{where}[i].observed_at``) observed later than ``now`` plus
    ``tolerance``: a 422 naming the field, the time as sent, the service's clock in the same offset,
    and the allowance."""
    for index, observation in enumerate(observations):
        sent = observation.observed_at
        if sent - now <= tolerance:
            continue
        allowed = int(tolerance.total_seconds() // 60)
        clock = now.astimezone(sent.tzinfo).isoformat(timespec="seconds")
        raise UserInputError(
            f"{where}[{index}].observed_at: {sent.isoformat()} is {ahead_by(sent - now)} after the"
            f" service's clock ({clock}); a reading may be at most {counted(allowed, 'minutes')}"
            " ahead of it (a device's clock a little fast: the policy's"
            " freshness.future_tolerance_minutes). Nothing is measured in the future: check the"
            " date and time sent, and the clock of the device or system that sent it"
        )
