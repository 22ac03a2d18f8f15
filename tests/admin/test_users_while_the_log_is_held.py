"""`triage referrals users add | disable | enable` while another writer holds the referral log (a
backup, a migration, the service's own commit): each waited `database.busy_timeout_ms` per try, six
tries (33 s with the default 5 s, 6 min with 60 s), then said the log "stayed locked ... retry the
request". Now each waits 2 s at most, as the service's account writes do, then says at once, in one
line, that the log is locked by another writer, what was not stored and to run the command again in
a moment (exit 1), nothing stored. Real processes, a real SQLite file with `busy_timeout` 60 s, and a
real second connection holding its write lock (`BEGIN IMMEDIATE`); the command's timeout is shorter
than one wait of 60 s (a hang guard only).

The three commands run at once while the one log is held: each is its own process with its own
connection and its own wait, so each still has to answer before the other writer lets go - one
that waited would outlast the hang guard as it did alone - and the 2 s each waits for the lock
are waited once, not three times."""

from __future__ import annotations

import sqlite3
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.admin.test_users_on_the_service_machine import PASSWORD, _log_with_a_lost_administrator
from tests.cli.running import run
from tests.service.test_sign_in_while_locked import answered_together, log_held
from tests.service.test_token_use_while_locked import HANG_GUARD_S
from triage.service.accounts import Accounts
from triage.service.database import Databases

HELD = "is locked by another writer (a backup, a migration or triage referrals ... in a shell?)"
COMMANDS = {
    "add": (
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add admin2 --role admin --password-stdin"
        " --db clinic.db",
        "the account admin2 was not stored - run the command again in a moment; no account was added",
    ),
    "disable": (
        "triage referrals users disable nurse1 --db clinic.db",
        "the disabling of the account nurse1 was not stored - run the command again in a moment",
    ),
    "enable": (
        "triage referrals users enable admin1 --db clinic.db",
        "the enabling of the account admin1 was not stored - run the command again in a moment",
    ),
}
BUSY_TIMEOUT = {"TRIAGE_DATABASE__BUSY_TIMEOUT_MS": "60000"}  # the most the settings allow


def _rows(log: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(log) as conn:
        return {table: conn.execute(f"SELECT * FROM {table}").fetchall() for table in ("users", "audit")}


def _while_held(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``line`` run while the log is held; a failure saying so if it does not end within the guard."""
    try:
        return run(line, folder, timeout=HANG_GUARD_S, **BUSY_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{line}` did not end while another writer held the log: it waited")


def test_an_account_command_while_another_writer_holds_the_log_says_so_at_once(tmp_path: Path) -> None:
    log = _log_with_a_lost_administrator(tmp_path)
    databases = Databases(log, 5000)
    Accounts(databases).set_disabled("admin1", True, actor="nurse1")  # (for enable: one disabled)
    databases.close_all()
    before = _rows(log)
    with log_held(log) as other:
        answers = answered_together([partial(_while_held, line, tmp_path) for line, _ in COMMANDS.values()])
        assert other.in_transaction, "ended while the other writer still holds the log"
    for (command, (_, said)), answer in zip(COMMANDS.items(), answers, strict=True):
        assert answer.returncode == 1, (command, answer.stdout, answer.stderr)
        assert answer.stderr == f"error: the referral log {log} {HELD}: {said}\n", command
        assert answer.stdout == "", command
    assert _rows(log) == before, "nothing stored"
    for command, (line, _) in COMMANDS.items():
        again = run(line, tmp_path, **BUSY_TIMEOUT)
        assert again.returncode == 0, (command, again.stderr)
