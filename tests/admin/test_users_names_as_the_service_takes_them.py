"""`triage referrals users disable | enable | add` take a user name as the service's /login and API
do (``referral.users.account_name``): `disable Nurse1` said 'user "Nurse1" not found' for the
account nurse1, which /login and POST /api/v1/users/Nurse1/disable find; a full-width name (an input
method's full-width mode) was refused or not found everywhere. And what an administrator reads when
the name is no account's: which log, why, and the command that lists them; an empty name said
'user "" not found'; enabling an enabled account said it enabled it, and recorded it again. Real
processes on a real SQLite log."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.admin.made_once import PASSWORD, log, made
from tests.cli.running import run

__all__ = ["log", "made"]


def _users(folder: Path, *words: str) -> tuple[int, str, str]:
    done = run(["referrals", "users", *words, "--db", "clinic.db"], folder)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def _status_entries(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "clinic.db") as db:
        rows = db.execute(
            "SELECT action, entity_id FROM audit WHERE action IN ('user.disable', 'user.enable') ORDER BY seq"
        ).fetchall()
    return [(str(action), str(name)) for action, name in rows]


def test_disable_and_enable_find_the_account_however_its_name_is_typed(log: Path) -> None:
    code, out, err = _users(log, "disable", "Nurse1")
    assert code == 0, err
    assert out.startswith("disabled the account nurse1 (nurse): its sessions ended"), out
    code, out, err = _users(log, "enable", " ｎｕｒｓｅ１ ")  # full-width, as an input method types it
    assert code == 0, err
    assert out.startswith("enabled the account nurse1 (nurse)"), out
    assert _status_entries(log) == [("user.disable", "nurse1"), ("user.enable", "nurse1")]


def test_add_takes_a_full_width_name_as_login_does(log: Path) -> None:
    added = run(
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add 'Ｎｕｒｓｅ２' --role nurse"
        " --password-stdin --db clinic.db --json",
        log,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["username"] == "nurse2"


def test_an_unknown_account_says_which_log_and_how_to_list_them(log: Path) -> None:
    code, out, err = _users(log, "disable", "nobody")
    assert (code, out) == (1, "")
    assert err == (
        'error: no account "nobody" in the referral log clinic.db: `triage referrals users list'
        " --db clinic.db` lists its accounts; nothing changed\n"
    ), err
    code, _, err = _users(log, "enable", "nurse 1")
    assert code == 1
    assert err == (
        'error: no account "nurse 1" in the referral log clinic.db (a user name is 2-64 characters'
        " from a-z, 0-9, '.', '_' and '-'): `triage referrals users list --db clinic.db` lists its"
        " accounts; nothing changed\n"
    ), err
    assert _status_entries(log) == []


def test_an_empty_name_says_it_is_empty(log: Path) -> None:
    for command in ("disable", "enable"):
        code, out, err = _users(log, command, "  ")
        assert (code, out) == (2, ""), err
        assert err == (
            "error: USERNAME is empty: give the account's user name (`triage referrals users list --db"
            " clinic.db` lists them); nothing changed\n"
        ), err


def test_an_account_already_so_says_nothing_changed_and_records_nothing(log: Path) -> None:
    code, out, err = _users(log, "enable", "nurse1")
    assert (code, err) == (0, "")
    assert out == "the account nurse1 (nurse) was enabled already: nothing changed, nothing recorded\n"
    assert _users(log, "disable", "nurse1")[0] == 0
    code, out, _ = _users(log, "disable", "nurse1", "--json")
    assert code == 0 and json.loads(out)["disabled"] is True and json.loads(out)["changed"] is False, out
    assert _status_entries(log) == [("user.disable", "nurse1")]
    assert run(["referrals", "verify-audit", "--db", "clinic.db"], log).returncode == 0
