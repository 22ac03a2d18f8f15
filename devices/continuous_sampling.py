"""Which readings of a continuously reporting device are stored (sans-IO).

A continuous pulse oximeter notifies about once a second. Stored as sent, one waiting patient
would leave 3,600 message rows and 7,200 result rows an hour, nearly all saying the same thing,
and would re-assess the patient every second. Comparing readings for equality is not enough: a
real pulse rate moves by a beat or two with every breath, so nearly every reading would differ.
The rule:

* the first reading of a connection is stored;
* a reading that differs *significantly* from the last stored one (the device's ``same`` test:
  for PLX, SpO2 by ``spo2_change`` points or more, pulse rate by ``pulse_change`` /min or more,
  a value appearing or disappearing, a status appearing or clearing - a probe coming off, an
  estimate becoming validated) is stored at once, so a significant change is never delayed;
* any other reading is stored only when ``every`` seconds have passed since the last stored one,
  so the record follows slow drift and still shows the patient was being measured; the rest are
  counted as ``unchanged`` and not stored (the wire log keeps their bytes).

Comparing with the last *stored* reading, not the previous one, means a slow drift cannot creep
past the thresholds unseen. ``every = 0`` stores every reading. ``read`` returns None for bytes it
cannot read, and those are always stored, so the codec quarantines each one with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")


class UnchangedReadings(Generic[R]):
    def __init__(self, every: float, read: Callable[[bytes], R | None], same: Callable[[R, R], bool]) -> None:
        self._every = every
        self._read = read
        self._same = same
        self._last: R | None = None
        self._stored_at: float | None = None

    def store(self, value: bytes, now: float) -> bool:
        """Whether the reading ``value`` that arrived at ``now`` is stored."""
        reading = self._read(value)
        if reading is None:
            return True
        due = self._stored_at is None or now - self._stored_at >= self._every
        if not due and self._last is not None and self._same(self._last, reading):
            return False
        self._last, self._stored_at = reading, now
        return True
