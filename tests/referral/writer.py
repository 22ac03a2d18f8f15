"""A separate writer process for the crash and concurrency tests (run with ``python -m``).

It prints one line per write *after* the write's transaction committed - exactly when a real
gateway would send its ACK or the service its HTTP 201 - so a printed line is an acknowledged
write that must survive anything that happens afterwards. Any exception is printed as an
``ERROR`` line (a lock error reaching a user would show up here) and the writer goes on.

    python -m tests.referral.writer referrals DB COUNT PREFIX ASSESSMENT_ID
    python -m tests.referral.writer gateway DB SECONDS PREFIX
    python -m tests.referral.writer service DB SECONDS PREFIX ASSESSMENT_ID
    python -m tests.referral.writer visits DB COUNT

The gateway, service and visits writers connect, print ``ready`` and wait for a line on stdin
(the test's go, :func:`ready`), so several of them started one after another write at the same
moment, however long each took to import and connect.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

from referral import patients, referrals, store
from referral.records import AssessmentIn, EncounterIn, ObservationIn, PatientIn, ReferralIn
from referral.schema import connect

STAMP = "2026-05-01T09:00:00+08:00"


def _referral(db_assessment: int, key: str) -> ReferralIn:
    return ReferralIn(
        assessment_id=db_assessment,
        to_facility="ZJ-S01",
        urgency="urgent",
        reason="writer",
        idempotency_key=key,
        alongside_open=True,  # a stream of referrals for one encounter
    )


def ready() -> None:
    """Connected: say so and wait for the test's go (a line on stdin, or its end)."""
    print("ready", flush=True)
    sys.stdin.readline()


def stream_referrals(path: str, count: int, prefix: str, assessment_id: int) -> None:
    db = connect(path)
    for i in range(count):
        stored = referrals.create_referral(db, _referral(assessment_id, f"{prefix}-{i}"), actor="writer")
        print(f"ack {prefix}-{i} {stored['id']}", flush=True)


#: Acknowledged writes each of the gateway and service writers makes at least.
MIN_ACKS = 25


class _Running:
    """Write for ``seconds`` and until ``MIN_ACKS`` writes are acknowledged (at most ``CAP_S``): on a
    loaded machine a fixed 4 s gave one writer a single write and the test could not tell whether
    it had really run alongside the other."""

    CAP_S = 50.0

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.seconds = seconds
        self.acks = 0

    def acknowledged(self) -> None:
        self.acks += 1

    def more(self) -> bool:
        elapsed = time.monotonic() - self.started
        return elapsed < self.CAP_S and (elapsed < self.seconds or self.acks < MIN_ACKS)


def gateway(path: str, seconds: float, prefix: str) -> None:
    """Device-gateway style: an encounter, its device observations and the engine's assessment."""
    db = connect(path)
    ready()
    running = _Running(seconds)
    i = 0
    while running.more():
        key = f"{prefix}-{i}"
        try:
            # one visit of the patient a day, from the day after the test's own visit (a patient
            # has one open visit a day: the same day again would be the same encounter)
            day = (datetime.fromisoformat(STAMP) + timedelta(days=i + 1)).isoformat()
            encounter = store.open_encounter(
                db,
                EncounterIn(patient_mrn="MRN-1", facility_id="ZJ-C01", started_at=day, idempotency_key=key),
                actor="gateway",
                reason="device result",
            )
            store.add_observations(
                db,
                encounter["id"],
                [
                    ObservationIn(
                        code="spo2", value_num=93, unit="%", observed_at=STAMP, device_message_id=key
                    )
                ],
                actor="gateway",
                reason="device result",
            )
            store.record_assessment(
                db,
                encounter["id"],
                AssessmentIn(
                    disposition="local_care",
                    policy_version="p1",
                    engine_version="e1",
                    payload={},
                    idempotency_key=key,
                ),
                actor="engine",
                reason="triage",
            )
            print(f"ack {key} {encounter['id']}", flush=True)
            running.acknowledged()
        except Exception as error:  # reported to the test, which requires zero of these
            print(f"ERROR {key} {type(error).__name__}: {error}", flush=True)
        i += 1


def service(path: str, seconds: float, prefix: str, assessment_id: int) -> None:
    """Web-service style: referrals created and moved along their lifecycle."""
    db = connect(path)
    ready()
    running = _Running(seconds)
    i = 0
    while running.more():
        key = f"{prefix}-{i}"
        try:
            stored = referrals.create_referral(db, _referral(assessment_id, key), actor="service")
            referrals.transition(db, stored["id"], "sent", actor="service")
            print(f"ack {key} {stored['id']}", flush=True)
            running.acknowledged()
        except Exception as error:
            print(f"ERROR {key} {type(error).__name__}: {error}", flush=True)
        i += 1


def visits(path: str, count: int) -> None:
    """A nurse at the desk: patients VISIT-0 .. VISIT-<COUNT-1> registered and their visit opened,
    each as soon as it can; several of these at once race for every patient (all start at the
    test's go). Prints ``ack MRN ENCOUNTER_ID already_open``."""
    db = connect(path)
    ready()
    for i in range(count):
        mrn = f"VISIT-{i}"
        try:
            patients.register(db, PatientIn(mrn=mrn, sex="female"), actor="nurse", reason="walk-in")
            encounter, already_open = store.open_visit(
                db,
                EncounterIn(patient_mrn=mrn, facility_id="ZJ-C01", started_at=STAMP),
                actor="nurse",
                reason="walk-in",
            )
            print(f"ack {mrn} {encounter['id']} {int(already_open)}", flush=True)
        except Exception as error:
            print(f"ERROR {mrn} {type(error).__name__}: {error}", flush=True)


def main(argv: list[str]) -> None:
    mode, path = argv[0], argv[1]
    if mode == "referrals":
        stream_referrals(path, int(argv[2]), argv[3], int(argv[4]))
    elif mode == "gateway":
        gateway(path, float(argv[2]), argv[3])
    elif mode == "service":
        service(path, float(argv[2]), argv[3], int(argv[4]))
    elif mode == "visits":
        visits(path, int(argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
