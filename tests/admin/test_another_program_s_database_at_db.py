"""A --db (or database.path) naming another program's SQLite database - a mistyped path, the wrong
file of a folder - was taken for a referral log at schema 0: `migrate`, and every command that
writes, upgraded it in place (WAL mode set, the log's 28 migrations' tables added among the other
program's) saying "there was no referral log there; created a new, empty one"; `stats` said to
back it up and run `migrate` on it; `verify-audit` and `backup` ended in a traceback ("no such
table"). Now each says what and where in one line, exit 2, and the file is left byte for byte as it
was. Real processes, a real SQLite file of another program."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from referral import facilities
from tests.cli.running import run

SAID = (
    "error: notes.db: not a referral log - SQLite reads it, but it holds another program's tables"
    " (contacts, notes) and none of the referral log's; the wrong file (check --db, or database.path in"
    " the settings); nothing was changed\n"
)


def _another_program_s(path: Path) -> str:
    """A small database of another program (its own tables and rows); its SHA-256."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('call the lab')")
    conn.commit()
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["facilities", "load", str(facilities.DEMO_CSV)],
        ["users", "list"],
        ["stats"],
        ["verify-audit"],
        ["backup", "--out", "b.db"],
    ],
    ids=lambda words: " ".join(words[:2]).replace(str(facilities.DEMO_CSV), "CSV"),
)
def test_it_is_refused_in_one_line_and_left_as_it_was(tmp_path: Path, command: list[str]) -> None:
    digest = _another_program_s(tmp_path / "notes.db")
    said = run(["referrals", *command, "--db", "notes.db"], tmp_path)
    assert (said.returncode, said.stdout, said.stderr) == (2, "", SAID)
    assert hashlib.sha256((tmp_path / "notes.db").read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]  # no -wal, -shm, backup


def test_a_new_log_and_a_log_at_any_schema_still_open(tmp_path: Path) -> None:
    """What is refused is tables without the log's migrations: an empty file is a new log."""
    (tmp_path / "new.db").touch()
    made = run(["referrals", "migrate", "--db", "new.db"], tmp_path)
    assert made.returncode == 0, made.stderr
    assert run(["referrals", "verify-audit", "--db", "new.db"], tmp_path).returncode == 0
