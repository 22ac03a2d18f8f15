"""`triage referrals verify-audit` on a year's log: every entry still hashed and compared, every kind
of tampering still named as before, with less work per entry, and on a terminal a line saying what
it is checking (a year of a busy clinic is 276,000 entries, docs/referral-log.md)."""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from referral import audit
from referral.audit_rows import verify_rows
from referral.schema import connect
from referral.transactions import write
from tests.cli.running import TRIAGE, environment

from .conftest import visit
from .test_cli import run

_FIELDS = "seq, at, actor, action, entity, entity_id, reason, data, prev_hash, hash"


def _log(db: Database) -> Path:
    """Three visits (an entry for each write): a trail of a dozen entries."""
    for mrn in ("MRN-1", "MRN-2", "MRN-3"):
        visit(db, mrn=mrn)
    (path,) = [row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"]
    db.close()
    return Path(path)


def _tampered(path: Path, *statements: str) -> None:
    """What a person with a shell can do: the append-only triggers dropped, then ``statements``."""
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_no_update")
    raw.execute("DROP TRIGGER audit_no_delete")
    for statement in statements:
        raw.execute(statement)
    raw.commit()
    raw.close()


def _entry(path: Path, seq: int) -> dict[str, Any]:
    raw = sqlite3.connect(path)
    row = raw.execute(f"SELECT {_FIELDS} FROM audit WHERE seq = ?", [seq]).fetchone()
    raw.close()
    return dict(zip(_FIELDS.split(", "), row, strict=True))


def _inserted_at(path: Path, seq: int) -> list[str]:
    """A made-up entry put in at ``seq``, the later ones moved up one, with the right link and hash."""
    new = _entry(path, seq - 1) | {
        "seq": seq,
        "reason": "made up",
        "prev_hash": _entry(path, seq - 1)["hash"],
    }
    new["hash"] = audit.entry_hash(new)
    last = int(sqlite3.connect(path).execute("SELECT max(seq) FROM audit").fetchone()[0])
    moved = [f"UPDATE audit SET seq = {n + 1} WHERE seq = {n}" for n in range(last, seq - 1, -1)]
    values = ", ".join(repr(new[name]) for name in _FIELDS.split(", "))
    return [*moved, f"INSERT INTO audit ({_FIELDS}) VALUES ({values})"]


KINDS = {
    "a changed entry": (
        lambda path: ["UPDATE audit SET reason = 'edited' WHERE seq = 5"],
        5,
        "entry 5 was altered (its content no longer matches its hash)",
    ),
    "a changed hash": (
        lambda path: [f"UPDATE audit SET hash = '{'0' * 64}' WHERE seq = 5"],
        5,
        "entry 5 was altered (its content no longer matches its hash)",
    ),
    "a deleted entry": (
        lambda path: ["DELETE FROM audit WHERE seq = 5"],
        5,
        "entry 5 is missing (next entry is 6)",
    ),
    "an entry inserted, rightly linked and hashed": (
        lambda path: _inserted_at(path, 5),
        6,
        "entry 6 does not link to entry 5 (prev_hash differs)",
    ),
    "an entry added at the end with a made-up hash": (
        lambda path: [
            f"INSERT INTO audit ({_FIELDS}) SELECT seq + 1, at, actor, action, entity, entity_id, 'made up',"
            f" data, hash, '{'a' * 64}' FROM audit ORDER BY seq DESC LIMIT 1"
        ],
        None,  # the entry after the last: said below
        "was altered (its content no longer matches its hash)",
    ),
    "two entries reordered": (
        lambda path: [
            "UPDATE audit SET seq = -5 WHERE seq = 5",
            "UPDATE audit SET seq = 5 WHERE seq = 6",
            "UPDATE audit SET seq = 6 WHERE seq = -5",
        ],
        5,
        "entry 5 does not link to entry 4 (prev_hash differs)",
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_tampering_of_the_trail_is_named(
    db: Database, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _log(db)
    entries = audit.verify(connect(path)).entries
    statements, broken, problem = KINDS[kind]
    _tampered(path, *statements(path))
    broken = broken or entries + 1
    report = audit.verify(connect(path))
    assert (report.ok, report.first_broken_seq) == (False, broken), report
    assert problem in str(report.problem)
    code, out, err = run(capsys, "verify-audit", "--db", str(path))
    assert (code, out) == (1, "")
    assert err == f"error: audit chain broken at entry {broken} of {report.entries}: {report.problem}\n"


#: Texts each JSON writer escapes its own way: quotes, backslashes, controls (tab, line break, ESC,
#: NUL escaped in the data), DEL, C1, line and paragraph separators, non-BMP and CJK.
ODD = 'a "quoted" back\\slash\ttab\nline\x1besc\x7fdel\x85nel\u2028ls\u2029ps \U0001f600 \u4e2d\u6587 \ufeff'


def test_entries_with_every_kind_of_text_verify_as_written(db: Database) -> None:
    """The chain is hashed by writing each entry's canonical JSON directly: it must be the text
    ``canonical_json`` (``json.dumps``) hashed when the entry was appended, for any text."""

    def work(db: Database) -> None:
        audit.append(
            db,
            actor=f"nurse {ODD}",
            action="test.odd",
            entity=ODD,
            entity_id=ODD,
            reason=ODD,
            data={"text": ODD, "nul": "a\x00b", ODD: [1, 2.5, None, True]},
        )

    write(db, work)
    report = audit.verify(db)
    assert report.ok, report
    (last,) = db.conn.execute(f"SELECT {_FIELDS} FROM audit ORDER BY seq DESC LIMIT 1").fetchall()
    assert report.head_hash == last[-1] == audit.entry_hash(dict(zip(_FIELDS.split(", "), last, strict=True)))


def test_an_entry_of_another_type_is_hashed_as_before(db: Database) -> None:
    """A trail rebuilt without its types (a BLOB where a text was): hashed by ``entry_hash`` itself,
    which finds it altered, as before - not an error."""
    path = _log(db)
    _tampered(
        path,
        "CREATE TABLE audit_untyped AS SELECT * FROM audit",
        "DROP TABLE audit",
        "ALTER TABLE audit_untyped RENAME TO audit",
        "UPDATE audit SET reason = CAST(reason AS BLOB) WHERE seq = 4",
    )
    report = audit.verify(connect(path, migrate=False))
    assert (report.ok, report.first_broken_seq) == (False, 4), report
    assert "entry 4 was altered" in str(report.problem)


def test_the_chain_costs_one_python_call_an_entry(db: Database) -> None:
    """Each entry was serialised through a dictionary and ``json.dumps`` (entry_hash, a dict
    comprehension, canonical_json, dumps, encode, iterencode: 7 Python calls with the clock check);
    a year's 276,000 entries spent most of the chain's time there. Python calls counted, not timed."""
    db = connect(_log(db))
    entries = audit.verify(db).entries
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        report = audit.verify(db)
    finally:
        sys.setprofile(None)
    assert report.ok and report.entries == entries > 10
    assert calls <= entries + 5, f"{calls} Python calls for {entries} entries"


def test_a_value_replaced_by_the_sha256_the_trail_records_is_found(db: Database) -> None:
    """The tables are compared a row at a time (a tuple): a text the trail knows by its SHA-256
    equals a stored one only by that hash - a payload replaced by the very digest is an edit."""
    path = _log(db)
    db = connect(path)
    seq, digest = db.conn.execute(
        "SELECT seq, json_extract(data, '$.payload_sha256') FROM audit WHERE action = 'assessment.create'"
        " AND entity_id = '2'"
    ).fetchone()
    db.close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE assessments SET payload = ? WHERE id = 2", [digest])
    raw.commit()
    raw.close()
    report = verify_rows(connect(path))
    assert (report.ok, report.table, report.row_id) == (False, "assessments", 2), report
    assert report.problem == f"payload is {digest!r}, its audit trail says a different text (entry {seq})"


def _on_a_terminal(args: list[str], folder: Path) -> tuple[int, bytes]:
    """``triage`` with ``args`` on a real pseudo-terminal (standard output and error); what it showed."""
    pid, master = pty.fork()
    if pid == 0:  # the child: the command on the pseudo-terminal
        os.chdir(folder)
        os.execve(TRIAGE, [TRIAGE, *args], environment())
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        assert ready, seen
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the command ended: the terminal is gone
            chunk = b""
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(master)
    return os.waitstatus_to_exitcode(status), seen


def test_on_a_terminal_it_says_what_it_is_checking_and_clears_the_line(db: Database) -> None:
    path = _log(db)
    code, seen = _on_a_terminal(["referrals", "verify-audit", "--db", path.name], path.parent)
    assert code == 0, seen
    assert b"\r\x1b[Kchecking the audit chain ..." in seen, seen
    for table in (b"patients", b"encounters", b"observations", b"assessments", b"referrals", b"users"):
        assert b"\r\x1b[Kchecking the tables against the audit trail: " + table + b" ..." in seen, seen
    # cleared before the result, which is printed as it was
    assert b" ...\r\x1b[Kaudit chain intact: " in seen, seen


def test_not_on_a_terminal_it_prints_what_it_printed(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from a timer or a crontab line (output mailed or logged), or into a pipe: nothing more."""
    path = _log(db)
    code, out, err = run(capsys, "verify-audit", "--db", str(path))
    assert (code, err) == (0, "")
    assert out.startswith("audit chain intact: ") and "checking" not in out


def test_a_backup_on_a_terminal_says_each_step_and_clears_the_line(db: Database) -> None:
    """`triage referrals backup` copies and checks the whole log (44-151 s for a year's): it said
    nothing until done. On a terminal the same line as verify-audit's, then its result."""
    path = _log(db)
    args = ["referrals", "backup", "--db", path.name, "--out", "copy.db"]
    code, seen = _on_a_terminal(args, path.parent)
    assert code == 0, seen
    steps = [b"copying the log", b"checking the copy's integrity", b"checking the audit chain"]
    steps += [b"checking the tables against the audit trail: referrals"]
    at = [seen.find(b"\r\x1b[K" + step + b" ...") for step in steps]
    assert -1 not in at and at == sorted(at), seen
    assert b" ...\r\x1b[Kcopy.db: backup of 0 referrals, " in seen, seen
