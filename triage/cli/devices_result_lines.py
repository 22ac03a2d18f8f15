"""What `triage devices listen` prints of what it receives: a line for each result (or a JSON
object), a line for each message whose OBX lines carried no result, the results triage does not
accept shown held, and each device's status line of counts when it stops."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from devices.hold import HoldKind
from devices.results import IGNORED, no_result_sentence
from devices.tolerance import fired_and_accepted
from referral.device_results import StoredDeviceResult
from referral.plurals import counted
from referral.result_flags import flag_list
from triage.bp_pair import swapped_in_messages
from triage.errors import ClinicError, json_text
from triage.observation import Observation

if TYPE_CHECKING:
    from devices.gateway import DeviceStatus, GatewayResult
    from devices.gateway_status import MessageStored


def _uncoded(r: StoredDeviceResult) -> str:
    """What a result without a vocabulary code is shown as: why it has none - a code the profile
    maps whose unit or value it does not take is not "unmapped", nor is one it ignores."""
    problem = r.details.get("problem")
    if problem == "unexpected_unit":
        return (
            f"({r.vendor_code}: unit {json_text(r.details.get('device_unit') or '')} not in its device_units)"
        )
    if problem == "unscalable_value":
        return f"({r.vendor_code}: value not a number its scale applies to)"
    if IGNORED in flag_list(r.flags):
        return f"({r.vendor_code}: ignored by the profile)"
    return f"(unmapped {r.vendor_code})"


def result_line(result: GatewayResult) -> str:
    r = result.stored
    what = r.code or _uncoded(r)
    held = "auto" if result.auto_feed else f"held: {result.hold_reason}"
    sample = r.sample_id or "-"
    return f"{r.received_at[11:19]}  {r.device_id}  sample {sample}  {what} = {r.shown_value}  [{r.status}; {held}]"


#: Why ``listen`` shows a result held, as a code (``hold_kind`` in ``--json``): the gateway's
#: :data:`devices.hold.HoldKind`, or ``not_accepted`` for one it would feed that triage refuses
#: (:func:`not_accepted_by_triage`); the keys of :data:`HOLD_WORDS`.
ShownHoldKind = HoldKind | Literal["not_accepted"]


def result_json(result: GatewayResult, kind: ShownHoldKind | None, no_result: dict[str, int] | None) -> str:
    r = result.stored
    return json.dumps(
        {
            "kind": "result",
            "result_id": result.result_id,
            "message_id": r.message_id,
            "device_id": r.device_id,
            "sample_id": r.sample_id or None,
            "patient_id": r.patient_id,
            "vendor_code": r.vendor_code,
            "code": r.code,
            "value": r.value,
            "value_num": r.value_num,
            "comparator": r.comparator,
            "unit": r.unit,
            "status": r.status,
            "qc": r.is_qc,
            "result_time": r.result_time,
            "received_at": r.received_at,
            "auto_feed": result.auto_feed,
            "hold_kind": kind,
            "hold_kinds": list(result.hold_kinds) or ([kind] if kind else []),
            "hold_reason": result.hold_reason,
            # the OBX lines of its message that carried no result, by status (an earlier run's
            # from its stored message); None: a message stored before the log kept the count
            "no_result": no_result,
        },
        ensure_ascii=False,
    )


def no_result_line(message: MessageStored, json_output: bool) -> str:
    """The line ``listen`` prints for a message whose OBX lines carried no result (HL7 OBX-11 I,
    N or O without a value): no result line shows them, and the message may have no result."""
    if json_output:
        return json.dumps(
            {
                "kind": "no_result",
                "device_id": message.device_id,
                "message_id": message.message_id,
                "received_at": message.received_at,
                "results": message.results,
                "no_result": dict(Counter(message.no_result)),
            }
        )
    said = no_result_sentence(list(message.no_result))
    return f"{message.received_at[11:19]}  {message.device_id}  message {message.message_id}: {said}"


#: How many messages' no-result counts ``listen`` keeps for their results' lines (a message's
#: results are handed over right after it is stored).
NO_RESULT_KEPT = 10_000


class NoResultCounts:
    """The OBX lines that carried no result, by status, of each message whose results ``listen
    --json`` prints: this run's as the gateway stored them (:meth:`stored`), an earlier run's
    (results handed over again at start) read from the message's row by ``read`` - once per
    message, not once per result (a batch of 100,000 results handed over read and parsed its
    message's summary 100,000 times). The last :data:`NO_RESULT_KEPT` messages are kept."""

    def __init__(self, read: Callable[[int], dict[str, int] | None]) -> None:
        self._read = read
        self._of: dict[int, dict[str, int] | None] = {}

    def stored(self, message: MessageStored) -> None:
        self._keep(message.message_id, dict(Counter(message.no_result)))

    def of(self, message_id: int) -> dict[str, int] | None:
        if message_id not in self._of:  # an earlier run's message: its stored summary says
            self._keep(message_id, self._read(message_id))
        return self._of[message_id]

    def _keep(self, message_id: int, counts: dict[str, int] | None) -> None:
        self._of[message_id] = counts
        if len(self._of) > NO_RESULT_KEPT:
            del self._of[next(iter(self._of))]


HOLD_WORDS = {
    "qc": "QC",
    "clock": "device time wrong",
    "not_final": "not final",
    "ignored": "ignored by the profile",
    "unmapped": "code not mapped",
    "unexpected_unit": "unit not in the profile",
    "unscalable_value": "value not scalable",
    "no_patient": "no patient link",
    "withdrawn": "withdrawn by the device",
    "not_accepted": "not accepted by triage",
}

#: How the hold reason of a result triage does not accept starts (the engine's words follow).
NOT_ACCEPTED = "not accepted by triage: "


def not_accepted_by_triage(
    results: list[GatewayResult], to_observation: Callable[[GatewayResult], Observation]
) -> list[GatewayResult]:
    """``results`` with those the gateway would feed to triage but triage refuses - as the
    service's pipeline holds them for review - marked held, the engine's reason in
    ``hold_reason``: a value that is no number or is implausible, a unit triage cannot use for
    the code, both pressures of a swapped pair. ``to_observation`` builds the observation the
    service would (``triage.service.pipeline.observation_from_stored``)."""
    accepted: list[tuple[int, Observation]] = []
    refused: dict[int, str] = {}
    for position, result in enumerate(results):
        if not result.auto_feed:
            continue
        try:
            accepted.append((position, to_observation(result)))
        except ClinicError as exc:
            refused[position] = str(exc)
    pairs = [(results[position].stored.message_id, observation) for position, observation in accepted]
    for index, why in swapped_in_messages(pairs).items():
        refused[accepted[index][0]] = why
    return [
        dataclasses.replace(r, auto_feed=False, hold_reason=NOT_ACCEPTED + refused[i]) if i in refused else r
        for i, r in enumerate(results)
    ]


def status_line(s: DeviceStatus, not_accepted: int = 0) -> str:
    """The per-device counts at the end of ``listen``. Each result is in exactly one bucket: new
    (for triage or held, with every reason counted: a result held for two is in both) or
    duplicate; quarantined counts only what became no result. ``not_accepted``: results for
    triage that triage refused (:func:`not_accepted_by_triage`), counted as held."""
    kinds = Counter(s.held)
    if not_accepted:
        kinds["not_accepted"] += not_accepted
    held = s.held_results + not_accepted
    why = ", ".join(f"{n} {HOLD_WORDS.get(kind, kind)}" for kind, n in sorted(kinds.items()))
    # switches of the profile that fired apart from quirks read by default, as the wire log says them
    tolerated = fired_and_accepted(s.tolerance_counts, lambda switch, n: f"{switch}={n}")
    # Only devices that can refuse the gateway's own requests (POCT1-A2) ever have a refusal.
    refused = ", ".join(f"{n} {what}" for what, n in sorted(s.refused_by_device.items()))
    total = sum(s.refused_by_device.values())
    refusals = f"{counted(total, 'requests')} refused by the device ({refused}); " if total else ""
    # Only a POCT1-A2 device sends messages the gateway reads no further (OPL.R02, EVS.R01).
    ignored = ", ".join(f"{n} {what}" for what, n in sorted(s.unhandled.items()))
    unhandled = (
        f"{counted(sum(s.unhandled.values()), 'messages')} not handled ({ignored}); " if s.unhandled else ""
    )
    # Only a link with checksums and frame numbers (ASTM) NAKs frames.
    naks = (
        f"{counted(s.rejected_frames, 'frames')} rejected with NAK (resent by the device); "
        if s.rejected_frames
        else ""
    )
    noise = f"{counted(s.ignored_bytes, 'bytes')} outside a session ignored; " if s.ignored_bytes else ""
    # HL7 OBX-11 I, N or O without a value: no result stored, said so that results match OBX lines
    if s.no_result:
        noise += f"{no_result_sentence(list(s.no_result.elements()))}; "
    # A final, corrected or withdrawing (HL7 W or D) version of a stored result replaces it: not a new result.
    replaced = (
        f"{counted(s.replaced, 'stored results')} replaced by a final or corrected version or withdrawn; "
        if s.replaced
        else ""
    )
    # Only a continuous device (a PLX oximeter) thins repeated readings.
    unchanged = (
        f"{counted(s.unchanged, 'readings')} without a significant change not stored; " if s.unchanged else ""
    )
    return (
        f"{s.device_id}: {counted(s.messages, 'messages')}; {counted(s.results, 'new results')} stored "
        f"({s.results - held} for triage, {held} held{': ' + why if why else ''}); "
        f"{replaced}{counted(s.duplicates, 'duplicate results')} not stored again; {unchanged}"
        f"{s.quarantined} quarantined without a result (unreadable messages, parts or stray bytes); "
        f"{counted(s.discarded, 'partial messages')} discarded; {naks}{noise}"
        f"{counted(s.refused_peers, 'refused connections')}; {refusals}{unhandled}{tolerated}"
    )
