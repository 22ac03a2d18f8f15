"""What an administrator reads when `triage referrals` meets an id or a name it cannot use: `show
999` (and `acknowledge`, `cancel`) said 'error: referral 999 not found' - not which log it looked in
(the settings' log, when --db was forgotten, looks just as empty) nor how to list what is there; `users
add nurse1` for a taken name said 'user "nurse1" already exists' - not whether that account is in
use (choose another name) or disabled (enable it: the administrator locked out may have meant to get
it back); the line `users disable` gave to undo it named no --db, so pasted it enabled the account
of the settings' log; `devices associations close-encounter 999` said 'cannot close encounter 999: not
found' alone. Real processes on a real SQLite log; each suggested line run as pasted."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.admin.made_once import PASSWORD, log, made
from tests.cli.running import run

__all__ = ["log", "made"]


def _add(folder: Path, name: str, role: str = "admin") -> subprocess.CompletedProcess[str]:
    return run(
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add '{name}' --role {role} --password-stdin"
        " --db clinic.db",
        folder,
    )


def _audit_entries(folder: Path) -> int:
    with sqlite3.connect(folder / "clinic.db") as db:
        return int(db.execute("SELECT count(*) FROM audit").fetchone()[0])


def _pasted(line: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """The command a message puts between backquotes, run as an administrator pastes it."""
    suggested = line.split("`")[1]
    done = run(suggested, folder)
    assert done.returncode == 0 and "Traceback" not in done.stderr, (suggested, done.stderr)
    return done


def test_a_taken_name_says_whether_to_choose_another_or_enable_it(log: Path) -> None:
    taken = _add(log, "Nurse1")
    assert (taken.returncode, taken.stdout) == (1, ""), taken.stderr
    assert taken.stderr == (
        "error: an account nurse1 (nurse, active) is in the referral log clinic.db already: choose another"
        " user name; no account was added\n"
    ), taken.stderr

    disabled = run(["referrals", "users", "disable", "nurse1", "--db", "clinic.db"], log)
    assert disabled.returncode == 0, disabled.stderr
    assert "`triage referrals users enable nurse1 --db clinic.db` undoes it" in disabled.stdout
    before = _audit_entries(log)
    taken = _add(log, "nurse1")
    assert taken.returncode == 1
    assert taken.stderr == (
        "error: an account nurse1 (nurse, disabled) is in the referral log clinic.db already:"
        " `triage referrals users enable nurse1 --db clinic.db` lets it sign in again, or choose another"
        " user name; no account was added\n"
    ), taken.stderr
    assert _audit_entries(log) == before  # nothing was added
    enabled = _pasted(taken.stderr, log)
    assert enabled.stdout.startswith("enabled the account nurse1 (nurse)"), enabled.stdout
    listed = run(["referrals", "users", "list", "--db", "clinic.db"], log)
    assert listed.stdout.splitlines()[1].split()[-1] == "active", listed.stdout


@pytest.mark.parametrize(
    ("words", "nothing_changed"),
    [
        (["show", "999"], ""),
        (["acknowledge", "999", "--actor", "dr_wu", "--reason", "rechecked"], "; nothing changed"),
        (["cancel", "999", "--actor", "dr_wu", "--note", "patient declined"], "; nothing changed"),
    ],
)
def test_an_unknown_referral_names_the_log_and_how_to_list_it(
    log: Path, words: list[str], nothing_changed: str
) -> None:
    before = _audit_entries(log)
    missing = run(["referrals", *words, "--db", "clinic.db"], log)
    assert (missing.returncode, missing.stdout) == (1, ""), missing.stderr
    assert missing.stderr == (
        "error: no referral 999 in the referral log clinic.db: `triage referrals list --db clinic.db` lists"
        f" its referrals{nothing_changed}\n"
    ), missing.stderr
    assert _audit_entries(log) == before
    assert _pasted(missing.stderr, log).stdout.startswith("no referrals")


def test_without_db_it_names_the_settings_log(tmp_path: Path) -> None:
    made = run(["referrals", "migrate"], tmp_path)  # the settings' log: var/clinic.db
    assert made.returncode == 0, made.stderr
    missing = run(["referrals", "show", "7"], tmp_path)
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: no referral 7 in the referral log var/clinic.db: `triage referrals list` lists its"
        " referrals\n"
    ), missing.stderr
    _pasted(missing.stderr, tmp_path)


def test_an_unknown_encounter_to_close_names_the_log_and_how_to_list_the_visits(log: Path) -> None:
    """`devices associations close-encounter 999` said 'cannot close encounter 999: not found'
    alone: not which log it looked in, nor where the visits' numbers are listed."""
    before = _audit_entries(log)
    words = [
        "devices",
        "associations",
        "close-encounter",
        "999",
        "--actor",
        "nurse1",
        "--reason",
        "went home",
    ]
    missing = run([*words, "--db", "clinic.db"], log)
    assert (missing.returncode, missing.stdout) == (1, ""), missing.stderr
    assert missing.stderr == (
        "error: no encounter 999 in the referral log clinic.db: `triage referrals queue --db clinic.db`"
        " lists its visits of the day (--day YYYY-MM-DD: another day's); nothing changed\n"
    ), missing.stderr
    assert _audit_entries(log) == before
    assert _pasted(missing.stderr, log).stdout.startswith("no encounters on ")
