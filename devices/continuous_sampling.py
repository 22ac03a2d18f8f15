"""Which readings of a continuously reporting device are stored (sans-IO).

A continuous pulse oximeter notifies about once a second. Stored as sent, one waiting patient
would leave 3,600 message rows and 7,200 result rows an hour, nearly all saying the same thing,
and would re-assess the patient every second. The rule:

* the first reading of a connection is stored;
* a reading whose content differs from the last stored one (another SpO2 or pulse rate, a status
  appearing or clearing - a probe coming off, an estimate becoming validated) is stored at once,
  so a change is never delayed;
* a reading identical to the last stored one is stored again only when ``every`` seconds have
  passed since that one, so the record still shows the patient was being measured; the others
  are counted as ``unchanged`` and not stored (the wire log keeps their bytes).

``every = 0`` stores every reading. ``content`` decides what "identical" means (for PLX: SpO2,
pulse rate and statuses, not the pulse amplitude index, which moves with every beat); it returns
None for bytes it cannot read, and those are always stored, so the codec quarantines each one
with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable


class UnchangedReadings:
    def __init__(self, every: float, content: Callable[[bytes], Hashable | None]) -> None:
        self._every = every
        self._content = content
        self._last: Hashable | None = None
        self._stored_at: float | None = None

    def store(self, value: bytes, now: float) -> bool:
        """Whether the reading ``value`` that arrived at ``now`` is stored."""
        content = self._content(value)
        if content is None:
            return True
        due = self._stored_at is None or now - self._stored_at >= self._every
        if not due and content == self._last:
            return False
        self._last, self._stored_at = content, now
        return True
