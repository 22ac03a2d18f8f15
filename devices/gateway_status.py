"""What the gateway counts per device (:class:`DeviceStatus`): links, sessions, results stored,
held, replaced, duplicates, quarantined... - no patient data. ``devices.gateway`` keeps it up to
date and re-exports it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

#: How many results' hold kinds a device's status keeps (:attr:`DeviceStatus.holds_of`): a result
#: is replaced within minutes (an aborted transfer sent again) or hours (a correction), so the last
#: 100,000 (a few MB) are plenty; a replacement of an older one is counted replaced, as one of a
#: result stored before the run.
HOLDS_KEPT = 100_000


@dataclass(frozen=True)
class MessageStored:
    """A message the gateway stored (not one quarantined whole), for a subscriber that shows
    messages as they arrive (``Gateway(on_stored=...)``: `triage devices listen`): its results
    new or replaced, its duplicates, and ``no_result`` - the OBX-11 letter of each HL7 OBX line
    that carried no result (``devices.results.NoResultLine``), which no result shows."""

    device_id: str
    message_id: int
    received_at: str
    results: int
    duplicates: int
    no_result: tuple[str, ...]


@dataclass
class DeviceStatus:
    device_id: str
    protocol: str
    transport: str
    link_up: bool = False
    sessions: int = 0
    reopen_attempts: int = 0
    last_result_at: str | None = None
    last_error: str | None = None
    #: Every count is of its own things, none counted twice: ``results`` newly stored results
    #: (``held_results`` of them not for automatic triage - an unmapped code is one of these, not
    #: also ``quarantined``; ``held`` their reasons by hold kind, a result held for two reasons in
    #: both); ``duplicates`` resent results not stored again; ``replaced`` stored results a final or
    #: corrected version replaced (handed to triage again, not new: an aborted transfer's partial
    #: copy, then the whole message); ``quarantined`` messages, parts and stray bytes kept only in
    #: quarantine, never a result. ``held_results`` and ``held`` are of each new result's version in
    #: force: a held preliminary result a final one replaced is no longer counted held.
    results: int = 0
    replaced: int = 0
    held_results: int = 0
    held: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    #: Readings of a continuous device not stored because they repeat the last stored one
    #: (``devices.continuous_sampling``); not messages, not results.
    unchanged: int = 0
    messages: int = 0
    quarantined: int = 0
    discarded: int = 0
    #: Frames answered with NAK (bad checksum, frame number, trailer...); the device resends them.
    rejected_frames: int = 0
    #: Bytes outside a session, ignored as the protocol says (ASTM: no ENQ before them).
    ignored_bytes: int = 0
    refused_peers: int = 0
    #: The device's AE or ESC to one of the gateway's own messages (POCT1-A2 REQ/DTV), by what.
    refused_by_device: Counter[str] = field(default_factory=Counter)
    #: Messages the gateway does not handle (a POCT1-A2 OPL.R02 or EVS.R01 from the device), by
    #: kind: acknowledged, logged and counted, never an error (their bytes are in the wire log).
    unhandled: Counter[str] = field(default_factory=Counter)
    tolerance_counts: Counter[str] = field(default_factory=Counter)
    #: HL7 OBX lines that carried no result (OBX-11 I, N or O without a value), by status letter:
    #: nothing stored, not quarantined - counted so that results and OBX lines can be reconciled.
    no_result: Counter[str] = field(default_factory=Counter)
    #: The hold kinds of the version in force of each result stored new in this run, by result id
    #: (empty: for triage), so that a replacement moves its result between the held counts - the
    #: last :data:`HOLDS_KEPT` only: a gateway in the service runs for months.
    holds_of: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def count_stored(self, result_id: int, kinds: Sequence[str], *, replaced: bool) -> None:
        """Count a stored result held for ``kinds`` (none: for triage). A new result is counted in
        ``results``; a replacement in ``replaced``, and when the result it replaces was stored new
        in this run, the held counts follow the new version: the preliminary copy of an aborted
        transfer, held "not final", is for triage once the whole message replaces it."""
        if replaced:
            self.replaced += 1
            if result_id not in self.holds_of:
                return  # stored before this run: not one of its new results
        else:
            self.results += 1
        before = self.holds_of.get(result_id, ())
        self.holds_of[result_id] = tuple(kinds)
        if len(self.holds_of) > HOLDS_KEPT:  # the oldest: its replacement is counted replaced only
            del self.holds_of[next(iter(self.holds_of))]
        self.held_results += bool(kinds) - bool(before)
        self.held.subtract(before)
        self.held.update(kinds)
        for kind in [kind for kind, n in self.held.items() if n <= 0]:
            del self.held[kind]

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        del data["holds_of"]
        data["held"] = dict(self.held)
        data["tolerance_counts"] = dict(self.tolerance_counts)
        data["refused_by_device"] = dict(self.refused_by_device)
        data["unhandled"] = dict(self.unhandled)
        return data
