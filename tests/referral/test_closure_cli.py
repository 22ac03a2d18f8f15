"""`triage devices associations close-encounter` end to end on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from referral import associations, audit
from referral.schema import connect
from referral.transactions import when
from triage.cli import main

from .test_associations_cli import OXIMETER, run
from .test_associations_cli import log as log  # the fixture: a clinic log with patients seen today


def encounter_of(log: Path, mrn: str) -> int:
    row = (
        connect(log)
        .conn.execute(
            "SELECT e.id FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ?", [mrn]
        )
        .fetchone()
    )
    return int(row[0])


def close_visit(
    capsys: pytest.CaptureFixture[str], log: Path, encounter: object, reason: str, *extra: str
) -> tuple[int, str, str]:
    """``close-encounter`` as nurse_li; ``extra`` options after the reason."""
    return run(
        capsys, log, "close-encounter", str(encounter), "--actor", "nurse_li", "--reason", reason, *extra
    )


def test_close_detaches_and_prints_what_it_did(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, log, "attach", OXIMETER, "--mrn", "MRN-1", "--actor", "nurse_wang")
    encounter = encounter_of(log, "MRN-1")
    # the visit's decision is an urgent referral and none was made: refused until confirmed
    code, out, err = close_visit(capsys, log, encounter, "went home")
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert err.startswith(
        f"error: encounter {encounter}: the decision is urgent_referral and no referral was made"
    )
    code, out, err = close_visit(capsys, log, encounter, "went home", "--without-referral")
    assert (code, err) == (0, "")
    db = connect(log)
    (ended,) = associations.history(db, OXIMETER)
    row = db.conn.execute("SELECT closed_at FROM encounters WHERE id = ?", [encounter]).fetchone()
    lines = out.splitlines()
    assert (
        lines[0] == f"closed encounter {encounter} (MRN-1): closed at {when(row[0])} by nurse_li (went home)"
    )
    assert lines[1] == "detached:"
    assert " ".join(lines[2].split()) == "id device encounter mrn started by expires ended end_reason"
    assert lines[3].startswith(f"{ended.id}") and lines[3].endswith("encounter_closed")
    assert audit.verify(db).ok

    code, out, err = close_visit(capsys, log, encounter, "again")
    assert (code, out) == (1, "")
    assert (
        err == f"error: encounter {encounter} is already closed at {when(row[0])} by nurse_li (went home)\n"
    )
    code, _, err = run(capsys, log, "attach", OXIMETER, "--mrn", "MRN-1", "--actor", "nurse_wang")
    assert code == 1 and err.endswith("; open a new encounter\n") and err.count("\n") == 1


def test_json_unknown_and_bad_reason(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    encounter = encounter_of(log, "MRN-2")
    code, _, err = run(capsys, log, "close-encounter", "999", "--actor", "nurse_li", "--reason", "x")
    assert (code, err) == (
        1,
        f"error: no encounter 999 in the referral log {log}: `triage referrals queue --db {log}` lists its"
        " visits of the day (--day YYYY-MM-DD: another day's); nothing changed\n",
    )
    code, _, err = run(capsys, log, "close-encounter", str(encounter), "--actor", "nurse_li", "--reason", " ")
    assert code == 2 and err == f'error: closing encounter {encounter}: "reason" is empty (it is required)\n'
    code, _, err = run(capsys, log, "close-encounter", str(encounter), "--actor", "nurse_li")
    assert code == 2 and 'Missing option "--reason"' in err and err.count("\n") == 1
    code, out, _ = close_visit(capsys, log, encounter, "done", "--json", "--without-referral")
    body = json.loads(out)
    assert code == 0 and body["ended_associations"] == []
    assert (body["encounter"]["id"], body["encounter"]["close_reason"]) == (encounter, "done")


def test_the_queue_lists_open_or_closed_visits(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    encounter = encounter_of(log, "MRN-1")
    close_visit(capsys, log, encounter, "went home", "--without-referral")
    (day,) = connect(log).conn.execute("SELECT day FROM encounters WHERE id = ?", [encounter]).fetchone()

    def queue(*args: str) -> tuple[int, str, str]:
        code = main(["referrals", "queue", "--day", day, "--db", str(log), *args])
        out, err = capsys.readouterr()
        return code, out, err

    listed = {state: queue("--state", state, "--json") for state in ("all", "open", "closed")}
    mrns = {state: sorted(r["mrn"] for r in json.loads(out)) for state, (_, out, _) in listed.items()}
    assert mrns == {"all": ["MRN-1", "MRN-2"], "open": ["MRN-2"], "closed": ["MRN-1"]}
    code, out, _ = queue("--state", "closed")
    assert code == 0 and "MRN-1" in out and out.rstrip().endswith("(visit closed)")
    code, out, err = queue("--state", "shut")
    assert (code, out) == (2, "") and err == 'error: --state "shut": choose one of all, open, closed\n'
