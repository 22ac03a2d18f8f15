"""Tolerance switches: every relaxation of a protocol rule is explicit, counted and logged.

A device profile turns individual switches on (see :class:`devices.profile.ToleranceSwitches`).
When a codec relies on a switch it calls :meth:`ToleranceCounter.fire`, which increments a
per-(device, switch) counter and emits a ``WARNING`` log record on the ``devices.tolerance``
logger naming the device, the switch and what was tolerated. Integrity rules are never relaxed
silently: without the switch the same input is rejected (NAK or quarantine) with a message that
names the switch that would accept it.

A few quirks need no switch (:data:`ACCEPTED_QUIRKS`: nothing is relaxed, the input is only
written unusually) and are counted and logged all the same, so the integrator sees the device's
habit; their switch is still read in a profile, so older profile files load.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

log = logging.getLogger("devices.tolerance")

SWITCHES: dict[str, str] = {
    "lowercase_checksum": "ASTM frame checksum sent in lowercase hex (accepted: its value is verified)",
    "lenient_frame_numbers": "ASTM frame number out of sequence, accepted without NAK",
    "cr_etb_record_end": "ASTM record ended at an intermediate (ETB) frame",
    "missing_lf_after_checksum": "ASTM frame trailer after the checksum was not CR LF",
    "no_cr_before_etx": "ASTM final record not terminated by CR before ETX",
    "lf_record_separator": "LF or CR LF used as the ASTM record separator",
    "doubled_backslash_header": "ASTM header delimiter field written as \\\\^& (doubled backslash)",
    "missing_l_record": "ASTM message ended without an L (terminator) record",
    "missing_result_status": "ASTM result status R.9 empty, taken as final",
    "decimal_comma": "decimal comma in a numeric value normalised to a point",
    "lf_segment_separator": "LF or CR LF used as the HL7 segment separator",
    "mindray_msh16_result_kind": "HL7 MSH-16 read as Mindray result kind (0 patient, 1 calibration, 2 QC)",
}

#: Quirks accepted without their switch, which is kept only so that profiles setting it load.
#: A lowercase ASTM checksum: LIS01-A2 senders write uppercase, a receiver reads either case
#: (its value is verified all the same); NAKed, the device sent it six times and gave it up.
#: Each in words, as the session's wire log says it (not as a switch).
QUIRK_WORDS = {"lowercase_checksum": "ASTM checksum in lowercase hex"}
ACCEPTED_QUIRKS = frozenset(QUIRK_WORDS)


def wire_note(switch: str) -> str:
    """The session's wire-log line for one firing of ``switch``: a switch of the profile says it
    fired; an accepted quirk (:data:`ACCEPTED_QUIRKS`), which no profile switch governs, says it
    was accepted, in words, with the name the status's ``tolerance_counts`` counts it under - an
    integrator read "tolerance switch fired: lowercase_checksum" and looked for a switch."""
    if switch in ACCEPTED_QUIRKS:
        return f"accepted: {QUIRK_WORDS[switch]} (read by default, no switch needed; counted as {switch})"
    return f"tolerance switch fired: {switch}"


class ToleranceCounter:
    """Thread-safe counts of tolerance switches that fired, keyed by (device_id, switch)."""

    def __init__(self, *, logged: bool = True) -> None:
        """``logged=False``: count without logging, for a second look at bytes whose switches
        are counted and logged elsewhere (the HL7 driver reads the MSH for its ACK)."""
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._logged = logged

    def fire(self, device_id: str, switch: str, detail: str = "", *, logged: bool = True) -> None:
        """Record that ``switch`` was needed to accept input from ``device_id`` (or, for one of
        :data:`ACCEPTED_QUIRKS`, that the device showed that quirk). ``logged=False``: counted
        without its WARNING, for a quirk a caller says once per connection."""
        if switch not in SWITCHES:
            raise ValueError(f"unknown tolerance switch {switch!r}")
        with self._lock:
            self._counts[(device_id, switch)] += 1
        if not self._logged or not logged:
            return
        if switch in ACCEPTED_QUIRKS:
            log.warning(
                "device %s: %s, no profile switch needed: %s (said once per connection)",
                device_id,
                SWITCHES[switch],
                detail,
                extra={"device_id": device_id, "tolerance_switch": switch},
            )
            return
        log.warning(
            "device %s: tolerance switch %s fired (%s)%s",
            device_id,
            switch,
            SWITCHES[switch],
            f": {detail}" if detail else "",
            extra={"device_id": device_id, "tolerance_switch": switch},
        )

    def count(self, device_id: str, switch: str) -> int:
        with self._lock:
            return self._counts[(device_id, switch)]

    def snapshot(self) -> dict[tuple[str, str], int]:
        """A copy of all counts (for metrics export)."""
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())
