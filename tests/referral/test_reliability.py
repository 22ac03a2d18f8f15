"""Crash and concurrency tests with real writer processes on a real SQLite file.

A line printed by the writer is a write that was acknowledged after commit (see writer.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlite_utils import Database

from referral import audit, facilities
from referral.schema import connect
from tests.referral.writer import MIN_ACKS

from .conftest import visit

ROOT = Path(__file__).resolve().parents[2]
STREAM = 10_000
KILL_AFTER_ACKS = 1_500


def _prepared(path: Path) -> int:
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment_id = int(visit(db)["id"])
    db.close()
    return assessment_id


def _writer(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.referral.writer", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _together(*writers: subprocess.Popen[str]) -> None:
    """Once every writer is connected and waiting (its "ready" line), tell each to go: they write
    from the same moment, not from whenever each one's imports ended (a fixed head start was
    either too short on a loaded machine or waited out in full)."""
    for writer in writers:
        assert writer.stdout is not None and writer.stdin is not None
        line = writer.stdout.readline()  # nothing else is written before the go: no line left buffered
        assert line == "ready\n", line + writer.communicate(timeout=30)[1]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()


def test_sigkill_mid_stream_loses_no_acknowledged_write(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    assessment_id = _prepared(path)
    writer = _writer("referrals", str(path), str(STREAM), "crash", str(assessment_id))
    assert writer.stdout is not None
    acknowledged: list[tuple[str, int]] = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < KILL_AFTER_ACKS and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        _, key, row_id = line.split()
        acknowledged.append((key, int(row_id)))
    writer.send_signal(signal.SIGKILL)  # no clean-up of any kind: the process just vanishes
    writer.wait(timeout=30)
    # Lines already in the pipe when the kill landed were acknowledged too - and so were lines
    # our own readline() had already pulled into the file object's buffer: read them through the
    # same file object (communicate() reads the raw pipe and would miss them; that made this test
    # fail once with 1,505 rows stored against 1,500 acknowledgements counted)
    rest = writer.stdout.read()
    writer.communicate(timeout=30)  # stderr, and closes the pipes
    acknowledged += [(k, int(i)) for _, k, i in (line.split() for line in rest.splitlines())]
    assert writer.returncode == -signal.SIGKILL
    assert KILL_AFTER_ACKS <= len(acknowledged) < STREAM, "the kill must land mid-stream"

    db = connect(path)  # "restart": reopen, recover the WAL, run migrations
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(db.execute("SELECT idempotency_key, id FROM referrals").fetchall())
    missing = [key for key, row_id in acknowledged if stored.get(key) != row_id]
    assert missing == []
    # at most the one write in flight at the kill may be stored without its ACK
    assert len(acknowledged) <= len(stored) <= len(acknowledged) + 1
    events = db.execute("SELECT count(*) FROM referral_events").fetchone()[0]
    creates = db.execute("SELECT count(*) FROM audit WHERE action = 'referral.create'").fetchone()[0]
    assert events == creates == len(stored)  # referral, event and audit entry: all or nothing
    report = audit.verify(db)
    assert report.ok, report.problem
    print(f"crash test: {len(acknowledged)} acknowledged, {len(stored)} stored, audit {report.entries} ok")


def _collect(writer: subprocess.Popen[str]) -> tuple[list[str], list[str], str]:
    out, err = writer.communicate(timeout=60)
    acks = [line.split()[1] for line in out.splitlines() if line.startswith("ack ")]
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    return acks, errors, err


def test_gateway_and_service_writers_together_lose_nothing_and_never_see_locks(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    assessment_id = _prepared(path)
    seconds = "1"  # from the same moment (each also until it has MIN_ACKS acknowledged writes)
    gateway = _writer("gateway", str(path), seconds, "gw")
    service = _writer("service", str(path), seconds, "svc", str(assessment_id))
    _together(gateway, service)
    gw_acks, gw_errors, gw_err = _collect(gateway)
    svc_acks, svc_errors, svc_err = _collect(service)
    assert (gateway.returncode, service.returncode) == (0, 0), gw_err + svc_err
    assert gw_errors == [] and svc_errors == [], (gw_errors + svc_errors)[:5]
    assert "locked" not in gw_err + svc_err
    assert len(gw_acks) >= MIN_ACKS and len(svc_acks) >= MIN_ACKS, "both writers must really have run"

    db: Database = connect(path)
    encounters = {
        r[0] for r in db.execute("SELECT idempotency_key FROM encounters WHERE idempotency_key IS NOT NULL")
    }
    assessed = {
        r[0] for r in db.execute("SELECT idempotency_key FROM assessments WHERE idempotency_key IS NOT NULL")
    }
    sent = {r[0] for r in db.execute("SELECT idempotency_key FROM referrals WHERE status = 'sent'")}
    assert set(gw_acks) <= encounters and set(gw_acks) <= assessed
    assert set(svc_acks) <= sent
    assert audit.verify(db).ok
    print(f"concurrency: gateway {len(gw_acks)} + service {len(svc_acks)} acknowledged, 0 errors")


def test_nurses_registering_the_same_patients_at_once_open_one_visit_each(tmp_path: Path) -> None:
    """Three writer processes register the same 150 patients and open their visits at the same
    moment: every patient gets one visit, and every process is given that one."""
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    db.close()
    count = 150
    nurses = [_writer("visits", str(path), str(count)) for _ in range(3)]
    _together(*nurses)  # all three connected and waiting before the start
    answers: dict[str, list[tuple[int, int]]] = {}
    for nurse in nurses:
        out, err = nurse.communicate(timeout=120)
        assert nurse.returncode == 0, err
        assert "ERROR" not in out, out[:2000]
        for line in out.splitlines():
            _, mrn, encounter_id, already_open = line.split()
            answers.setdefault(mrn, []).append((int(encounter_id), int(already_open)))
    assert len(answers) == count and all(len(given) == 3 for given in answers.values())
    db = connect(path)
    opened = dict(
        db.execute(
            "SELECT p.mrn, count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id GROUP BY p.mrn"
        ).fetchall()
    )
    assert opened == {mrn: 1 for mrn in answers}, "one visit per patient, never two"
    for mrn, given in answers.items():
        assert len({encounter for encounter, _ in given}) == 1, (mrn, given)
        assert sorted(flag for _, flag in given) == [0, 1, 1], (mrn, given)  # one opened it
    assert audit.verify(db).ok
