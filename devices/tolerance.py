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
from collections.abc import Callable, Mapping

from referral.plurals import counted

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


def accepted_note(quirk: str, times: str = "") -> str:
    """An accepted quirk (:data:`ACCEPTED_QUIRKS`) said as accepted, in words, with the name the
    status's ``tolerance_counts`` (replay's ``tolerance``) count it under: ``times`` (``"3
    times"``) says how often, in the summaries of ``listen`` and ``replay``."""
    how_often = f" {times}" if times else ""
    return (
        f"accepted: {QUIRK_WORDS[quirk]}{how_often} (read by default, no switch needed; counted as {quirk})"
    )


def wire_note(switch: str) -> str:
    """The session's wire-log line for one firing of ``switch``: a switch of the profile says it
    fired; an accepted quirk (:data:`ACCEPTED_QUIRKS`), which no profile switch governs, says it
    was accepted, in words, with the name the status's ``tolerance_counts`` counts it under - an
    integrator read "tolerance switch fired: lowercase_checksum" and looked for a switch."""
    if switch in ACCEPTED_QUIRKS:
        return accepted_note(switch)
    return f"tolerance switch fired: {switch}"


def switches_fired(counts: Mapping[str, int]) -> dict[str, int]:
    """Of ``counts`` (by name, as ``tolerance_counts``), the switches of the profile that fired."""
    return {name: n for name, n in sorted(counts.items()) if name not in ACCEPTED_QUIRKS}


def quirks_accepted(counts: Mapping[str, int]) -> dict[str, int]:
    """Of ``counts``, the quirks read by default (:data:`ACCEPTED_QUIRKS`): no switch fired."""
    return {name: n for name, n in sorted(counts.items()) if name in ACCEPTED_QUIRKS}


def fired_and_accepted(counts: Mapping[str, int], fired: Callable[[str, int], str]) -> str:
    """The end of ``listen``'s and ``replay``'s summaries: ``tolerance switches fired: `` and each
    switch of the profile that fired as ``fired`` says it (``decimal_comma=2``), or ``none``, then
    each accepted quirk as the wire log says it, with how often - the summaries said
    ``tolerance switches fired: lowercase_checksum=1`` and an integrator looked for the switch."""
    switches = ", ".join(fired(name, n) for name, n in switches_fired(counts).items()) or "none"
    quirks = "".join(f"; {accepted_note(q, counted(n, 'times'))}" for q, n in quirks_accepted(counts).items())
    return f"tolerance switches fired: {switches}{quirks}"


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
