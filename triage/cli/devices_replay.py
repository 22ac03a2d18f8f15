"""`triage devices replay`: parse a capture file into canonical observations."""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Literal, TypedDict

import typer

from devices.codecs import hl7
from devices.hold import result_holds
from devices.profile import generic_profile
from devices.results import (
    INCOMPLETE,
    NO_RESULT_STATUS,
    TERMINATION_FLAG,
    DeviceResult,
    incomplete_why,
    no_result_sentence,
)
from devices.tolerance import fired_and_accepted, quirks_accepted, switches_fired
from referral.plurals import counted
from triage.cli.devices_mapping import read_profile
from triage.cli.output import echo, print_json, write
from triage.errors import UserInputError, json_text
from triage.intake import ReplayReport, observation_record, replay_capture
from triage.observation import Observation

ProtocolName = Literal["astm", "hl7", "line", "poct1a", "ble"]


def _counted(label: str, reasons: Iterable[str], results: int | None = None) -> str:
    """``"3 for review (2 unmapped_code, 1 invalid)"`` - kinds most frequent first - or ``"0 for
    review"``. ``results``: how many results, when one may have more than one reason (as listen
    counts its held results: '2 not for triage (1 no_patient, 1 not_final, 1 ...)')."""
    counts = Counter(reasons)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    total = counts.total() if results is None else results
    return f"{total} {label} ({kinds})" if counts else f"0 {label}"


def untimed_hint(untimed: list[DeviceResult]) -> str:
    """What ``--received-at`` would do with the results held for having no time: a result
    without a patient id is then held as ``no_patient``, as the gateway holds it."""
    linked = sum(1 for r in untimed if r.patient_id)
    held = "results without a device time are held for review; give --received-at (the time they arrived)"
    if linked == len(untimed):
        return f"{held} to replay them as observations"
    if not linked:
        return (
            f"{held} to check them: they carry no patient id, so they are then held as no_patient "
            "and listed apart, not printed as observations (the gateway feeds them only once a "
            "device association links the device to a patient's encounter)"
        )
    return (
        f"{held} to check them: the {linked} with a patient id are then replayed as observations, "
        f"the {len(untimed) - linked} without one held as no_patient and listed apart"
    )


def _held_reading(result: DeviceResult, obs: Observation) -> str:
    """One reading held for its missing patient id: byte, code, value, unit, time, sample, test."""
    where = f"byte {result.byte_offset}" if result.byte_offset is not None else "end of file"
    # a converted value to the decimals a laboratory reports, with the value as sent: 5.3 mmol/L
    # (reported 95 mg/dL), not 5.27309 mmol/L
    value = "no value" if obs.value is None else obs.display_value()
    time = (
        result.observed_at.isoformat()
        if result.observed_at
        else f"{obs.observed_at.isoformat()} (received: the device sent none)"
    )
    return (
        f"{where}: held (no_patient): {obs.code} {value}, time {time}, "
        f"sample {result.sample_id or '(none)'}, test {json_text(result.vendor_code)}"
    )


class NotFinalMessage(TypedDict):
    """A message whose results are not final for how it ended (``--json``'s ``not_final_messages``)."""

    byte_offset: int | None
    termination_code: str | None
    why: str
    results: int


def incomplete_messages(report: ReplayReport) -> list[NotFinalMessage]:
    """Each message whose L record (its termination code T, R or E), or the lack of one, made its
    results not final - the reason of their ``not_final`` that the summary only counts -, with the
    byte of its first such result: ``byte_offset``, ``termination_code`` (None: no L record),
    ``why`` and ``results`` (how many of its results are held so); ``--json``'s
    ``not_final_messages``, and the lines after the text summary."""
    # held not_final, as the gateway holds it (devices.hold: not a QC result, nor a code the profile
    # ignores), also when for review (an unmapped code); not a resend, nor a version replaced
    gone = {id(resend) for resend, _ in report.resends} | {id(earlier) for earlier, _ in report.replaced}
    by_message: dict[str, list[DeviceResult]] = {}
    for result in report.results:
        if INCOMPLETE in result.flags and id(result) not in gone and "not_final" in result_holds(result):
            by_message.setdefault(result.message_id, []).append(result)
    return [
        NotFinalMessage(
            byte_offset=results[0].byte_offset,
            termination_code=next(
                (
                    f.removeprefix(TERMINATION_FLAG)
                    for f in results[0].flags
                    if f.startswith(TERMINATION_FLAG)
                ),
                None,
            ),
            why=incomplete_why(results[0].flags),
            results=len(results),
        )
        for results in by_message.values()
    ]


def incomplete_lines(report: ReplayReport) -> list[str]:
    """One line per message of :func:`incomplete_messages`: "byte 120: not final: the sender
    aborted the message (L record termination code T): ..."."""
    lines = []
    for message in incomplete_messages(report):
        at = message["byte_offset"]
        where = f"byte {at}" if at is not None else "end of file"
        lines.append(
            f"{where}: not final: {message['why']}: {counted(message['results'], 'results')} of"
            " the message held (not_final), not observations: the gateway stores them preliminary,"
            " whatever status the device gave them, and holds them; sent again in a complete message,"
            " they replace these"
        )
    return lines


def _untimed(report: ReplayReport, received_at: datetime | None) -> dict[str, object] | None:
    """``--json``'s ``untimed``: how many results are held for having no device time, and the hint
    the text prints after its summary of what ``--received-at`` would do with them; None when
    there are none, or ``--received-at`` gave their time."""
    if not report.untimed or received_at is not None:
        return None
    return {"results": len(report.untimed), "hint": untimed_hint(report.untimed)}


def _document(file: Path, report: ReplayReport, received_at: datetime | None) -> dict[str, object]:
    """What ``--json`` prints: the keys the golden files use for the observations and the
    readings held for no patient id, the other buckets counted or listed with their bytes, and
    the reasons the text says after its summary (``not_final_messages``, ``untimed``)."""
    return {
        "file": str(file),
        "profile": report.profile.device_id,
        "synthetic_samples": report.profile.synthetic_samples,
        "messages": report.messages,
        "results": len(report.results),
        "observations": [observation_record(r, obs) for r, obs in report.observations],
        # held as the gateway holds them ("no patient link") unless a device association links them
        "observations_without_patient": [observation_record(r, obs) for r, obs in report.unlinked],
        "not_for_triage": dict(Counter(report.held_reasons())),  # every reason, as listen counts
        # every reason the live gateway holds each result for, listen's held counts but clock
        "held": dict(Counter(report.gateway_holds)),
        # why the results of a message that did not end complete are not final (its L record)
        "not_final_messages": incomplete_messages(report),
        "untimed": _untimed(report, received_at),
        "quarantined": [
            {
                "reason": q.reason,
                "byte_offset": q.byte_offset,
                "with_result": q.with_result,
                "detail": q.detail,
            }
            for q in report.quarantined
        ],
        # the problems of versions a later one replaced: device_quarantine keeps them, not for review
        "quarantined_replaced": [
            {"reason": q.reason, "byte_offset": q.byte_offset, "detail": q.detail}
            for q in report.replaced_problems
        ],
        "replaced": [
            {"byte_offset": earlier.byte_offset, "by_byte_offset": later.byte_offset}
            for earlier, later in report.replaced
        ],
        "resends": [
            {"byte_offset": resend.byte_offset, "earlier_byte_offset": earlier.byte_offset}
            for resend, earlier in report.resends
        ],
        "unhandled": [{"byte_offset": at, "message_type": kind} for at, kind in report.unhandled],
        # HL7 OBX lines with OBX-11 I, N or O and no value: no result, not quarantined
        "no_result": [
            {"byte_offset": line.byte_offset, "test": line.vendor_code, "status": line.status}
            for line in report.no_result
        ],
        # every switch that fired and every quirk read by default, by name: kept as it was for scripts
        "tolerance": report.tolerance,
        # the same apart: the profile's switches that fired, the quirks accepted with no switch
        "tolerance_switches_fired": switches_fired(report.tolerance),
        "accepted_quirks": quirks_accepted(report.tolerance),
    }


def register(app: typer.Typer) -> None:
    """Add the replay command to the devices group."""

    @app.command("replay")
    def replay(
        file: Path = typer.Argument(
            ...,
            metavar="FILE",
            help="Capture file: raw bytes as the device sent them (or a vendor sample); for ble, "
            "'<uuid> <hex>' lines of GATT values. '-' reads standard input.",
        ),
        protocol: str | None = typer.Option(
            None,
            "--protocol",
            "-p",
            help="astm, hl7, line, poct1a or ble. Default: the protocol --profile names; "
            "needed without --profile.",
        ),
        profile: str | None = typer.Option(
            None,
            "--profile",
            help="Device profile TOML file, or the name of a bundled profile (e.g. sysmex-xn550). "
            "Default: the strict generic profile (generic-astm, generic-hl7, generic-poct1a; "
            "for line: nonin-oximeter; for ble: ble-glucose_meter).",
        ),
        received_at: str | None = typer.Option(
            None,
            "--received-at",
            help="ISO time with zone used for results that carry no device time (e.g. oximeter lines).",
        ),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="Log every tolerance switch as it fires."
        ),
        as_json: bool = typer.Option(
            False,
            "--json",
            help="Print machine-readable JSON: one document instead of a line per observation, "
            "with the observations, apart from them the readings held for no patient id "
            "(observations_without_patient), the counts, and why results are held "
            "(not_final_messages, untimed).",
        ),
    ) -> None:
        """Parse a capture file with the gateway's codecs into canonical observations.

        Prints one JSON object per canonical observation on stdout (sample/patient id, code, value,
        unit, status, device time); a result resent under the gateway's exactly-once key is
        named on stderr and printed once; a version a later result with its key replaces (a
        preliminary then its final, a final then its withdrawal) is counted replaced, not
        printed, as the gateway keeps the version in force. Problems go to stderr with byte offsets. Exit 0 if everything
        parsed, 1 if anything was quarantined, 2 for a usage error. QC results, codes the profile
        ignores, "no value" readings, results that are not final (preliminary) and results without a
        patient id (the gateway holds both; the latter until a device association links the device
        to a patient) are counted on stderr and never printed as observations; the latter are
        listed on stderr (code, value, unit, time) as held for no patient id."""
        if protocol is None and not profile:
            raise UserInputError(
                "--protocol is needed without --profile: astm, hl7, line, poct1a or ble (a --profile "
                "names its own, e.g. --profile sysmex-xn550)"
            )
        if protocol is not None and protocol not in ("astm", "hl7", "line", "poct1a", "ble"):
            raise UserInputError(
                f"--protocol must be astm, hl7, line, poct1a or ble, got {json_text(protocol)}"
            )
        prof = read_profile(profile, option="--profile") if profile else generic_profile(protocol)  # type: ignore[arg-type]
        if protocol is not None and prof.protocol != protocol:
            raise UserInputError(
                f"profile {json_text(prof.device_id)} is for protocol {json_text(prof.protocol)}, not {json_text(protocol)}"
            )
        when = None
        if received_at:
            try:
                when = datetime.fromisoformat(received_at)
            except ValueError:
                raise UserInputError(
                    f"--received-at {json_text(received_at)} is not an ISO date and time: write it as"
                    " 2026-12-05T10:00:00+08:00 (with the time zone of the clock the readings arrived by)"
                ) from None
            if when.tzinfo is None:
                raise UserInputError(
                    f"--received-at {json_text(received_at)} needs a time zone (e.g. +08:00)"
                )
        if str(file) == "-":
            data, file = sys.stdin.buffer.read(), Path("stdin")
        else:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise UserInputError(f"{file}: cannot read capture file: {exc.strerror or exc}") from None
        if not data:  # else "0 messages ... " and exit 0, as if it had all parsed
            raise UserInputError(f"{file}: the capture is empty (nothing was recorded from the device?)")
        tol_log = logging.getLogger("devices.tolerance")
        handler: logging.Handler = logging.StreamHandler() if verbose else logging.NullHandler()
        tol_log.addHandler(handler)
        tol_log.propagate = False
        try:
            report = replay_capture(prof, data, received_at=when)
        finally:
            tol_log.removeHandler(handler)
            tol_log.propagate = True
        if as_json:
            print_json(_document(file, report, when))
        for result, obs in [] if as_json else report.observations:
            write(json.dumps(observation_record(result, obs), ensure_ascii=False))
        # what the device sent (a detail, a sample id) is escaped as every stored or received text is
        # in the capture's order, as a reader follows it (a codec may list a message's parts in
        # another: the mini VIDAS's qn result before its ql; a BLE record after later stray lines)
        in_order = sorted(report.quarantined, key=lambda q: (q.byte_offset is None, q.byte_offset or 0))
        for q in in_order:
            where = f"byte {q.byte_offset}" if q.byte_offset is not None else "end of file"
            echo(f"{file}: {where}: quarantined ({q.reason}): {q.detail}", err=True)
        for q in report.replaced_problems:  # in device_quarantine live too, no longer for review
            echo(
                f"{file}: byte {q.byte_offset}: quarantined ({q.reason}): {q.detail}; a later version "
                "of the result replaced it, so it is not for review",
                err=True,
            )
        for resend, earlier in report.resends:
            echo(
                f"{file}: byte {resend.byte_offset}: resend of the result at byte {earlier.byte_offset} "
                f"(sample {resend.sample_id}, test {resend.vendor_code}, time "
                f"{resend.observed_at.isoformat() if resend.observed_at else '?'}): the gateway stores it once",
                err=True,
            )
        for at, kind in report.unhandled:
            echo(
                f"{file}: byte {at}: not handled: {hl7.unsupported_said(kind)}: the gateway "
                "answers it AR (application reject), stores it with no result and counts it not handled",
                err=True,
            )
        for line in report.no_result:
            echo(
                f"{file}: byte {line.byte_offset}: OBX test {json_text(line.vendor_code)} carried no result "
                f"(status {line.status}: {NO_RESULT_STATUS.get(line.status, '').replace('_', ' ')}): "
                "the gateway stores nothing for it",
                err=True,
            )
        kinds = ", ".join(
            f"{n} {kind or hl7.NO_TYPE}"
            for kind, n in sorted(Counter(k for _, k in report.unhandled).items())
        )
        unhandled = (
            f"{counted(len(report.unhandled), 'messages')} not handled ({kinds}); "
            if report.unhandled
            else ""
        )
        if report.no_result:
            unhandled += f"{no_result_sentence([line.status for line in report.no_result])}; "
        # switches of the profile that fired apart from quirks read by default, as the wire log says them
        switches = fired_and_accepted(report.tolerance, lambda switch, n: f"{switch} x{n}")
        resent = f", {counted(len(report.resends), 'resends')} of an earlier result" if report.resends else ""
        if report.replaced:  # as listen counts 'stored results replaced': the later version counted
            resent += f", {len(report.replaced)} replaced by a later version"
        synthetic = " [profile sample data is SYNTHETIC]" if prof.synthetic_samples else ""
        # each result counted once: observation, for review (quarantined with its result), not
        # for triage, a resend the gateway would not store again, or a version a later one
        # replaced; then what was quarantined
        # without ever becoming a result
        write(
            f"{file}: profile {prof.device_id}{synthetic}: {counted(report.messages, 'messages')}, "
            f"{counted(len(report.results), 'results')}: {counted(len(report.observations), 'observations')}, "
            f"{_counted('for review', report.review_reasons(), len(report.for_review()))}, "
            f"{_counted('not for triage', report.held_reasons(), len(report.held_back))}"
            f"{resent}; "
            f"{len(report.without_result())} quarantined without a result; {unhandled}"
            f"{switches}",
            err=True,
        )
        for why in incomplete_lines(report):
            write(f"{file}: {why}", err=True)
        if report.untimed and when is None:
            write(f"{file}: {untimed_hint(report.untimed)}", err=True)
        if report.unlinked:
            write(
                f"{file}: held: no patient id (a device association would link them): "
                f"{counted(len(report.unlinked), 'results')}, not observations: the gateway holds them (no "
                "patient link) unless a device association links the device to a patient's "
                "encounter (the patient page, or triage devices associations attach)",
                err=True,
            )
            for result, obs in report.unlinked:
                echo(f"{file}: {_held_reading(result, obs)}", err=True)
        if report.quarantined or report.replaced_problems:
            # SystemExit, not typer.Exit: the root main() runs click with standalone_mode=False,
            # where typer.Exit's code would be returned and lost.
            raise SystemExit(1)
