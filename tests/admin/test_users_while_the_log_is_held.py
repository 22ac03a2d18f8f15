"""`triage referrals users add | disable | enable` while another writer holds the referral log (a
backup, a migration, the service's own commit): each waited `database.busy_timeout_ms` per try, six
tries (33 s with the default 5 s, 6 min with 60 s), then said the log "stayed locked ... retry the
request". Now each waits 2 s at most, as the service's account writes do, then says at once, in one
line, that the log is locked by another writer, what was not stored and to run the command again in
a moment (exit 1), nothing stored. Real processes, a real SQLite file with `busy_timeout` 60 s, and a
real second connection holding its write lock (`BEGIN IMMEDIATE`); the command's timeout is shorter
than one wait of 60 s (a hang guard only)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.admin.test_users_on_the_service_machine import PASSWORD, _log_with_a_lost_administrator
from tests.cli.running import run
from tests.service.test_sign_in_while_locked import log_held
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


def _rows(log: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(log) as conn:
        return {table: conn.execute(f"SELECT * FROM {table}").fetchall() for table in ("users", "audit")}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_account_command_while_another_writer_holds_the_log_says_so_at_once(
    command: str, tmp_path: Path
) -> None:
    log = _log_with_a_lost_administrator(tmp_path)
    databases = Databases(log, 5000)
    Accounts(databases).set_disabled("admin1", True, actor="nurse1")  # (for enable: one disabled)
    databases.close_all()
    line, said = COMMANDS[command]
    before = _rows(log)
    with log_held(log) as other:
        try:
            done = run(line, tmp_path, timeout=HANG_GUARD_S, TRIAGE_DATABASE__BUSY_TIMEOUT_MS="60000")
        except subprocess.TimeoutExpired:
            pytest.fail(f"`{line}` did not end while another writer held the log: it waited")
        assert other.in_transaction, "ended while the other writer still holds the log"
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr == f"error: the referral log {log} {HELD}: {said}\n"
    assert done.stdout == ""
    assert _rows(log) == before, "nothing stored"
    again = run(line, tmp_path, TRIAGE_DATABASE__BUSY_TIMEOUT_MS="60000")
    assert again.returncode == 0, again.stderr
