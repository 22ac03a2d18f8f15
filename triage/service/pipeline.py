"""Live wiring: device result -> Observation -> assess -> store -> queue event -> proposed referral.

The device gateway commits every result to the referral log's inbox and ACKs the device before it
calls :meth:`DevicePipeline.on_results`; a batch is marked delivered only when that call returns,
so a crash in between re-delivers it on the next start. Delivery is therefore idempotent: an
observation whose device result (``source_message_id`` = ``inbox:<result id>``) is already stored
is not stored again.

Rules:

- Only results the gateway marks ``auto_feed`` (final, not QC, mapped, linked to a patient) reach a
  decision; the others are counted and stay in the inbox for a person to review. So do results
  triage does not accept: an implausible value, and both pressures of a message whose diastolic is
  not below its systolic (``triage.bp_pair``: swapped by the device or its interface). Why is kept
  with the result as a code (:func:`not_accepted_code`, ``device_results.not_accepted_code``) and
  the engine's sentence (``referral.inbox.note_not_accepted``): the held worklist reads the code.
- The device's patient id is the clinic record number (MRN). Results for one patient on one day
  join that day's latest encounter that is not closed, so an analyzer's glucose and a monitor's
  vital signs are assessed together. When every encounter of the day is closed (the visit ended,
  ``referral/closure.py``), a new encounter is opened, as when there is none: a late result is
  triaged and shown in the queue, never added to a closed visit.
- A result the inbox linked through a device association (no patient id from the device; see
  ``referral/associations.py``) joins the associated encounter itself - unless that encounter was
  closed between the link and this hand-off; it is then treated as a result with the patient's id.
- When the assessment asks for a referral and policy allows proposals, a referral is proposed or
  triage's unsent proposal raised (``triage.service.proposals``: the same rule as the staff pages'
  decisions) - never sent: a clinician confirms it on the encounter page.
- A result already stored as an observation (a device correction, or a re-delivery) goes to the
  encounter that holds it: ``triage.service.corrections`` applies or holds the correction there.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlite_utils import Database

from devices.hold import HoldKind
from referral import store
from referral.clock import Clock
from referral.inbox import NotAcceptedCode, StoredDeviceResult, note_not_accepted
from referral.records import PatientIn
from triage.bp_pair import SwappedPressuresError, swapped_in_messages
from triage.errors import ClinicError, ImplausibleValueError, UnitError
from triage.observation import Observation
from triage.service import corrections, proposals
from triage.service.clinic import Clinic
from triage.service.runtime import Readiness, Runtime
from triage.units import require_unit_if_ambiguous

log = logging.getLogger("triage.service.pipeline")
ACTOR = "device-gateway"


def observed_at(result: StoredDeviceResult, clinic: Clock) -> str:
    """The result's own time; devices without a result clock (line protocols such as pulse
    oximeters) store ``received <time>`` instead, and the reading is taken as observed then."""
    if result.result_time.startswith("received "):
        # In the clinic's local time, like encounter start times and the devices' own clocks.
        return clinic.local(datetime.fromisoformat(result.received_at)).isoformat()
    return result.result_time


def observation_from_stored(result: StoredDeviceResult, clinic: Clock) -> Observation:
    """A stored inbox result as a validated observation (raises ``UserInputError`` naming it);
    ``clinic``: the clinic's clock, for a reading observed at receipt. A value that came without a
    unit (its mapping names none) and that another unit of its code makes plausible too is refused
    (``UnitError``: held ``unit_not_accepted``), as the API and ``triage assess`` refuse it."""
    assert result.code is not None
    value: Any = result.value_num if result.value_num is not None else result.value
    status = {"F": "final", "C": "corrected"}.get(result.status, result.status)
    observation = Observation.create(
        result.code,
        value,
        result.unit,
        observed_at=observed_at(result, clinic),
        status=status,
        device=result.device_id,
        qc=result.is_qc,
        comparator=result.comparator,  # type: ignore[arg-type]
        source_message_id=f"inbox:{result.id}",
    )
    require_unit_if_ambiguous(observation.code, observation.value, result.unit)
    return observation


def not_accepted_code(exc: ClinicError) -> NotAcceptedCode:
    """Why triage did not accept a result, from what :func:`observation_from_stored` raised: its
    value outside the code's plausible range, a unit it cannot use for the code, or another
    problem with the value (a swapped pressure pair is found after, ``swapped_in_messages``)."""
    if isinstance(exc, SwappedPressuresError):
        return "pressures_swapped"
    if isinstance(exc, ImplausibleValueError):
        return "implausible_value"
    if isinstance(exc, UnitError):
        return "unit_not_accepted"
    return "value_not_accepted"


def linked_encounter(result: StoredDeviceResult) -> int | None:
    """The encounter of the device association that linked this result, if one did."""
    link = result.details.get("patient_link")
    if isinstance(link, dict) and isinstance(link.get("encounter_id"), int):
        return int(link["encounter_id"])
    return None


class DevicePipeline:
    def __init__(self, runtime: Runtime, clinic: Clinic) -> None:
        self.runtime = runtime
        self.clinic = clinic

    async def on_results(self, results: Sequence[Any]) -> None:
        """The gateway's callback (``list[GatewayResult]``); the work runs off the event loop."""
        await asyncio.to_thread(self.handle, results)

    def handle(self, results: Sequence[Any]) -> None:
        metrics = self.runtime.metrics
        by_patient: dict[tuple[str, int | None], list[Observation]] = defaultdict(list)
        received: dict[tuple[str, int | None], str] = {}
        db = self.runtime.databases.get()
        again: set[int] = set()
        accepted: list[tuple[StoredDeviceResult, Observation]] = []
        for item in results:
            stored: StoredDeviceResult = item.stored
            if (
                redelivered := self.apply_correction(db, stored, item.hold_reason, item.hold_kind)
            ) is not None:
                again |= redelivered
                continue
            if not item.auto_feed:
                metrics.device_results.labels("held").inc()
                continue
            try:
                accepted.append((stored, observation_from_stored(stored, self.clinic.clock)))
            except ClinicError as exc:
                metrics.device_results.labels("rejected").inc()
                log.warning("device %s: result %d rejected: %s", stored.device_id, stored.id, exc)
                self.note_not_accepted(db, stored, str(exc), not_accepted_code(exc))
        # a diastolic at or above the systolic of the same message (swapped by the device or its
        # interface) is held for review like an implausible value: neither reaches a decision
        swapped = swapped_in_messages([(stored.message_id, observation) for stored, observation in accepted])
        for position, (stored, observation) in enumerate(accepted):
            if position in swapped:
                metrics.device_results.labels("rejected").inc()
                log.warning(
                    "device %s: result %d held for review: %s", stored.device_id, stored.id, swapped[position]
                )
                self.note_not_accepted(db, stored, swapped[position], "pressures_swapped")
                continue
            key = (str(stored.patient_id), linked_encounter(stored))
            by_patient[key].append(observation)
            received.setdefault(key, stored.received_at)
        for (mrn, encounter_id), observations in by_patient.items():
            try:
                self.assess_patient(db, mrn, observations, encounter_id=encounter_id)
                metrics.device_results.labels("assessed").inc(len(observations))
                arrived = datetime.fromisoformat(received[(mrn, encounter_id)])
                metrics.device_to_queue.observe(max(0.0, (datetime.now(UTC) - arrived).total_seconds()))
            except ClinicError as exc:
                metrics.device_results.labels("failed").inc(len(observations))
                log.error("device results for one patient could not be assessed: %s", exc.code)
        for encounter_id in sorted(again):
            try:
                self.reassess(db, encounter_id)
            except ClinicError as exc:
                log.error("encounter %d could not be assessed again: %s", encounter_id, exc.code)

    def note_not_accepted(
        self, db: Database, stored: StoredDeviceResult, why: str, code: NotAcceptedCode
    ) -> None:
        """Keep why triage did not take a result (its code and the engine's sentence), for the held
        worklist; a failure to write it is logged and leaves the result held as it is (the log line
        above says why too)."""
        try:
            note_not_accepted(db, stored.id, why, code=code, actor=ACTOR)
        except ClinicError as exc:
            log.error(
                "device %s: why result %d was not accepted was not kept: %s",
                stored.device_id,
                stored.id,
                exc.code,
            )

    def apply_correction(
        self, db: Database, stored: StoredDeviceResult, hold_reason: str | None, hold_kind: HoldKind | None
    ) -> set[int] | None:
        """A result already stored as an observation (the device corrected it, or this is a
        re-delivery) is applied to, or held for, the encounter that holds it (``corrections``).

        Returns None for a result that never became an observation, else the encounters to assess
        again because it was re-delivered unchanged before any correction (e.g. after a crash
        between storing it and its assessment, as the pipeline always did for a re-delivery).
        """
        try:
            outcome = corrections.correct(
                db,
                self.clinic,
                stored,
                hold_reason,
                hold_kind=hold_kind,
                actor=ACTOR,
                convert=partial(observation_from_stored, clinic=self.clinic.clock),
                propose=self.propose_referral if self.runtime.settings.service.propose_referrals else None,
            )
        except ClinicError as exc:
            self.runtime.metrics.device_results.labels("failed").inc()
            log.error("device %s: correction of result %d failed: %s", stored.device_id, stored.id, exc.code)
            return set()
        if outcome is None:
            return None
        for place in outcome:
            if place.correction is not None:
                self.runtime.metrics.device_results.labels(f"correction_{place.correction.state}").inc()
        return {p.encounter_id for p in outcome if p.correction is None and not p.corrected_before}

    def reassess(self, db: Database, encounter_id: int) -> dict[str, Any]:
        assessment = self.clinic.assess_encounter(db, encounter_id, actor=ACTOR, source="device")
        if self.runtime.settings.service.propose_referrals:
            self.propose_referral(db, assessment)
        return assessment

    def _encounter_for(self, db: Database, mrn: str, encounter_id: int | None = None) -> dict[str, Any]:
        if encounter_id is not None:
            encounter = store.get_encounter(db, encounter_id)
            is_open = encounter["closed_at"] is None
            if is_open and store.get_patient(db, int(encounter["patient_id"]))["mrn"] == mrn:
                return encounter
        patient = store.find_patient(db, mrn)
        if patient is None:
            patient = store.upsert_patient(
                db, PatientIn(mrn=mrn), actor=ACTOR, reason="patient first seen by a device"
            )
        today = store.latest_encounter_on(
            db, int(patient["id"]), self.clinic.clock.today().isoformat(), open_only=True
        )
        if today is not None:
            return today
        return self.clinic.open_encounter(db, mrn, actor=ACTOR)

    def assess_patient(
        self, db: Database, mrn: str, observations: list[Observation], *, encounter_id: int | None = None
    ) -> dict[str, Any]:
        encounter = self._encounter_for(db, mrn, encounter_id)
        encounter_id = int(encounter["id"])
        seen = {
            row[0]
            for row in db.conn.execute(
                "SELECT device_message_id FROM observations WHERE encounter_id = ?", [encounter_id]
            )
        }
        fresh = [o for o in observations if o.source_message_id not in seen]
        if fresh:
            self.clinic.add_observations(db, encounter_id, fresh, actor=ACTOR, reason="device result")
        return self.reassess(db, encounter_id)

    def propose_referral(
        self, db: Database, assessment: dict[str, Any], *, actor: str = ACTOR
    ) -> dict[str, Any] | None:
        """Triage's proposal for this decision (``triage.service.proposals``, as on every path)."""
        return proposals.propose_referral(self.runtime, db, assessment, actor=actor)


def status_rows(gateway: Any) -> list[dict[str, Any]]:
    rows = []
    for status in gateway.status():
        rows.append(
            {
                "device": status.device_id,
                "protocol": status.protocol,
                "port": status.transport,
                "link_up": status.link_up,
                "last_result_at": status.last_result_at,
                "results": status.results,
                "errors": status.quarantined + status.discarded + status.refused_peers,
                "last_error": status.last_error,
            }
        )
    return rows


async def start_gateway(runtime: Runtime, clinic: Clinic, endpoints: Sequence[Any] | None = None) -> None:
    """Start the gateway as a supervised task: a crash is logged and the service turns not-ready."""
    from devices.gateway import Gateway

    if endpoints is None:
        endpoints = endpoints_from_settings(runtime)
    pipeline = DevicePipeline(runtime, clinic)
    gateway = Gateway(
        list(endpoints),
        runtime.settings.database.path,
        on_results=pipeline.on_results,
        busy_timeout_ms=runtime.settings.database.busy_timeout_ms,
        wire_log_dir=runtime.settings.data_dir / "wire" if runtime.settings.gateway.wire_log else None,
    )
    runtime.extras["gateway"] = gateway
    runtime.extras["pipeline"] = pipeline
    runtime.device_status = lambda: status_rows(gateway)

    async def supervise() -> None:
        try:
            await gateway.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            runtime.readiness = Readiness(False, f"device gateway stopped: {exc}")
            log.error("device gateway stopped: %s", exc)

    task = asyncio.create_task(supervise(), name="device-gateway")
    runtime.extras["gateway_task"] = task
    ready = asyncio.create_task(gateway.wait_ready())
    await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()


def endpoints_from_settings(runtime: Runtime) -> list[Any]:
    from devices.link_drivers import endpoint_from_profile
    from devices.profile import load_profile
    from devices.session import MonotonicClock

    clock = MonotonicClock()
    return [
        endpoint_from_profile(load_profile(path), clock=clock) for path in runtime.settings.gateway.profiles
    ]
