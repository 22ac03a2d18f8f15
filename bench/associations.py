"""Cost of device association on the gateway's store path (``referral.inbox.record_message``).

Stores pulse-oximeter messages (SPO2 + HR, SYNTHETIC values) into a real SQLite file, three ways,
in the same run:

* peer   - results carry a patient id: no association lookup (the path before this feature);
* held   - no patient id, no association: one indexed lookup finds nothing;
* linked - no patient id, the device attached to an encounter (with 5,000 ended associations of
           other devices in the table): lookup, stamping, one audit entry per message.

Durable (``synchronous=FULL``, as shipped: one WAL fsync per message) and CPU-only
(``synchronous=OFF``) figures, with ratios against the peer.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlite_utils import Database

from referral import associations, facilities, store
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message
from referral.records import EncounterIn, PatientIn
from referral.schema import connect

DEVICE = "bench-oximeter"
MESSAGES = 600
ROUNDS = 3


def _prepare(folder: Path, name: str, synchronous: str) -> tuple[Database, int]:
    folder.mkdir(exist_ok=True)
    db = connect(folder / f"{name}.db")
    db.conn.execute(f"PRAGMA synchronous = {synchronous}")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="bench", clinic="ZJ-C01")
    store.upsert_patient(db, PatientIn(mrn="BENCH-1"), actor="bench", reason="bench")
    encounter = store.open_encounter(
        db,
        EncounterIn(patient_mrn="BENCH-1", facility_id="ZJ-C01", started_at="2026-05-01T09:00:00+08:00"),
        actor="bench",
        reason="bench",
    )
    return db, int(encounter["id"])


def _history(db: Database, encounter_id: int, count: int) -> None:
    now = associations.utc_now()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by,"
            " ended_at, ended_by, end_reason) SELECT ?, id, patient_id, ?, 'bench', ?, 'bench', 'bench'"
            " FROM encounters WHERE id = ?",
            [(f"other-{i % 50}", now, now, encounter_id) for i in range(count)],
        )


def _messages(db: Database, patient_id: str | None) -> float:
    started = time.perf_counter()
    for i in range(MESSAGES):
        received = associations.utc_now()
        results = [
            NewDeviceResult(
                device_id=DEVICE,
                sample_id="",
                vendor_code=vendor,
                result_time=f"received {received}",
                status="final",
                is_qc=False,
                patient_id=patient_id,
                code=code,
                value=str(value),
                value_num=float(value),
                unit=unit,
            )
            for vendor, code, value, unit in (
                ("SPO2", "spo2", 90 + i % 9, "%"),
                ("HR", "heart_rate", 72, "/min"),
            )
        ]
        message = NewDeviceMessage(
            device_id=DEVICE,
            session_id="bench",
            protocol="line",
            raw=b"SPO2=097 HR=072",
            received_at=received,
        )
        record_message(db, message, results)
    return time.perf_counter() - started


def _case(folder: Path, name: str, synchronous: str) -> float:
    db, encounter_id = _prepare(folder, f"{name}-{synchronous}", synchronous)
    patient_id: str | None = None
    if name == "peer":
        patient_id = "BENCH-1"
    if name == "linked":
        _history(db, encounter_id, 5000)
        associations.associate(db, DEVICE, encounter_id, actor="bench")
    elapsed = _messages(db, patient_id)
    if name == "linked":
        linked = db.conn.execute(
            "SELECT count(*) FROM device_results WHERE patient_id = 'BENCH-1'"
        ).fetchone()[0]
        assert linked == 2 * MESSAGES, f"expected every result linked, got {linked}"
    db.close()
    return elapsed


def main() -> None:
    print(
        f"{MESSAGES} oximeter messages (2 results each) per case, median of {ROUNDS} interleaved rounds,"
        f" real SQLite file, SYNTHETIC values; {os.cpu_count()} CPUs, load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-assoc-") as tmp:
        folder = Path(tmp)
        for synchronous in ("FULL", "OFF"):
            runs: dict[str, list[float]] = {"peer": [], "held": [], "linked": []}
            for round_ in range(ROUNDS):  # interleaved, so machine load hits every case alike
                for name in runs:
                    runs[name].append(_case(folder / f"r{round_}", name, synchronous))
            times = {name: statistics.median(values) for name, values in runs.items()}
            label = "durable, synchronous=FULL" if synchronous == "FULL" else "CPU only, synchronous=OFF"
            print(f"\n{label}:")
            for name, elapsed in times.items():
                per_ms = elapsed / MESSAGES * 1000
                print(
                    f"  {name:<7} {MESSAGES / elapsed:8.0f} messages/s  {per_ms:6.3f} ms/message"
                    f"  ratio to peer {elapsed / times['peer']:5.2f}x"
                )


if __name__ == "__main__":
    main()
