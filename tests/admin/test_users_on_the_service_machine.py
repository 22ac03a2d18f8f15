"""Staff accounts from the service's machine: `triage referrals users list | add`. The accounts were
the API's alone (`POST /api/v1/users` by an administrator signed in), and `/setup` closes for good
once any account exists - so a clinic whose only administrator forgot the password, or left, had
no way back in for the year ahead; nor could the administrator list the accounts there, as
`triage referrals tokens` lists the tokens. Whoever may write the log file adds an account (an
administrator to get back in), under the service's password rules, audited as `cli:<user>`. Real
SQLite; the service the new administrator signs in to is the real app on a real server over
loopback. The administrator who signs in is added by a real `triage` process reading the password
from a shell's pipe, as pasted, and a real one asks it on a pseudo-terminal; what the other
commands say is read from the same entry point run in this process (:func:`triage_here`), which
spares each a process's start-up and imports (about a second of CPU)."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.admin.made_once import copied, here
from tests.analytics.reports.conftest import run_main
from tests.cli.running import TRIAGE, environment, run
from tests.service.conftest import live_server
from triage.service import create_app
from triage.service.accounts import Accounts
from triage.service.auth import Role
from triage.service.database import Databases
from triage.settings import load_settings

PASSWORD = "a-long-passphrase-7"


def _log_with_a_lost_administrator(folder: Path) -> Path:
    log = folder / "clinic.db"
    here(["referrals", "migrate", "--db", str(log)])
    databases = Databases(log, 5000)
    Accounts(databases).create("admin1", "forgotten-passphrase-1", Role.admin, "en", actor="first-run-setup")
    Accounts(databases).create("nurse1", "nurse-passphrase-1", Role.nurse, "en", actor="admin1")
    databases.close_all()
    return log


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`_log_with_a_lost_administrator`, made once for the module's tests."""
    return _log_with_a_lost_administrator(tmp_path_factory.mktemp("lost")).parent


@pytest.fixture
def lost(made: Path, tmp_path: Path) -> Path:
    """A copy of :func:`made`'s log in the test's own folder: its path."""
    return copied(made, tmp_path) / "clinic.db"


Here = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def triage_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Here:
    """`triage ARGV` as :func:`tests.cli.running.run` runs it - in the test's folder, no TRIAGE_
    variable of the test run, standard input not a terminal (``stdin``, empty unless given) - but
    in this process, through the console script's own entry point (triage.cli.main): its exit code
    and what it wrote on stdout and on stderr, apart. Its SQLite connection is collected after it,
    as a process's exit closes it (:func:`tests.admin.made_once.here`)."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("TRIAGE_")]:
        monkeypatch.delenv(name)

    def triage(argv: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code, out, err = run_main(argv)
        gc.collect()
        return subprocess.CompletedProcess(argv, code, out, err)

    return triage


def test_an_administrator_is_added_from_the_machine_and_signs_in(
    lost: Path, tmp_path: Path, triage_here: Here
) -> None:
    log = lost
    added = run(
        f"printf '%s\\n' '{PASSWORD}' | triage referrals users add admin2 --role admin --password-stdin"
        " --db clinic.db --json",
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    said = json.loads(added.stdout)
    assert said["username"] == "admin2" and said["role"] == "admin" and said["disabled"] is False
    assert said["audit_entry"] > 0

    listed = triage_here(["referrals", "users", "list", "--db", "clinic.db", "--json"])
    assert listed.returncode == 0, listed.stderr
    assert [(u["username"], u["role"], u["disabled"]) for u in json.loads(listed.stdout)] == [
        ("admin1", "admin", False),
        ("admin2", "admin", False),
        ("nurse1", "nurse", False),
    ]
    table = triage_here(["referrals", "users", "list", "--db", "clinic.db"])
    assert table.stdout.splitlines()[0].split() == ["username", "role", "language", "created_at", "state"]

    verified = triage_here(["referrals", "verify-audit", "--db", "clinic.db", "--json"])
    assert verified.returncode == 0 and json.loads(verified.stdout)["rows"]["users"] == 3, verified.stdout

    # the service on that log, as `triage serve` with TRIAGE_DATABASE__PATH set makes it
    with live_server(create_app(load_settings(None, data_dir=tmp_path, database={"path": log}))) as base:
        form = urllib.parse.urlencode({"username": "admin2", "password": PASSWORD}).encode()
        opener = urllib.request.build_opener(_NoRedirect)
        answer = opener.open(urllib.request.Request(f"{base}/login", data=form))
        assert answer.status == 303 and "triage_session=" in answer.headers.get("Set-Cookie", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

    def http_error_303(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
        return fp


@pytest.mark.usefixtures("lost")
def test_the_service_s_password_rules_and_names_hold(triage_here: Here) -> None:
    add = ["referrals", "users", "add", "admin2", "--role", "admin", "--password-stdin", "--db", "clinic.db"]
    common = triage_here(add, stdin="password123\n")
    assert common.returncode == 2
    assert common.stderr == (
        "error: password: is one of the most common passwords, which are tried first: choose another;"
        " no account was added\n"
    ), common.stderr
    taken = triage_here([*add[:3], "admin1", *add[4:]], stdin=f"{PASSWORD}\n")
    assert taken.returncode == 1
    assert taken.stderr == (
        "error: an account admin1 (admin, active) is in the referral log clinic.db already: choose"
        " another user name; no account was added\n"
    ), taken.stderr
    role = triage_here(["referrals", "users", "add", "x1", "--role", "boss", "--db", "clinic.db"])
    assert role.returncode == 2 and "boss" in role.stderr and "admin" in role.stderr, role.stderr
    assert "Traceback" not in common.stderr + taken.stderr + role.stderr


@pytest.mark.usefixtures("lost")
def test_the_password_is_asked_twice_on_the_terminal_and_not_shown(tmp_path: Path) -> None:
    """Without --password-stdin the password is asked on the terminal (a real pseudo-terminal, the
    command's controlling one), twice, and never echoed."""
    import os
    import pty
    import select

    pid, master = pty.fork()
    if pid == 0:  # the child: the command on the pseudo-terminal
        os.chdir(tmp_path)
        os.execve(
            TRIAGE,
            [TRIAGE, "referrals", "users", "add", "admin2", "--role", "admin", "--db", "clinic.db"],
            environment(),
        )
    seen = b""

    def until(wanted: bytes) -> None:
        nonlocal seen
        while wanted not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            assert ready, seen
            try:
                chunk = os.read(master, 1024)
            except OSError:  # the command ended: the terminal is gone
                chunk = b""
            assert chunk, seen
            seen += chunk

    try:
        until(b"Password: ")
        os.write(master, PASSWORD.encode() + b"\n")
        until(b"Repeat for confirmation: ")
        os.write(master, PASSWORD.encode() + b"\n")
        until(b"recorded as audit entry")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(master)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert PASSWORD.encode() not in seen, seen
    assert b"added the account admin2 (admin)" in seen, seen


def test_an_empty_list_says_how_to_add_the_administrator(tmp_path: Path, triage_here: Here) -> None:
    here(["referrals", "migrate", "--db", str(tmp_path / "clinic.db")])
    said = triage_here(["referrals", "users", "list", "--db", "clinic.db"])
    assert said.returncode == 0, said.stderr
    assert said.stdout == (
        "no staff accounts yet: the service's first page (/setup) creates the administrator, or"
        " `triage referrals users add NAME --role admin`\n"
    )


@pytest.mark.usefixtures("lost")
def test_the_lost_account_is_disabled_and_enabled_from_the_machine(triage_here: Here) -> None:
    """Once back in, the account of the administrator who left is disabled there too (its sessions
    end, its tokens are refused), audited user.disable by cli:<user>; enable undoes it."""
    off = triage_here(["referrals", "users", "disable", "admin1", "--db", "clinic.db"])
    assert off.returncode == 0, off.stderr
    assert off.stdout.startswith(
        "disabled the account admin1 (admin): its sessions ended, its API tokens are refused;"
    )
    listed = json.loads(triage_here(["referrals", "users", "list", "--db", "clinic.db", "--json"]).stdout)
    assert [u["disabled"] for u in listed if u["username"] == "admin1"] == [True]
    on = triage_here(["referrals", "users", "enable", "admin1", "--db", "clinic.db", "--json"])
    assert on.returncode == 0 and json.loads(on.stdout)["disabled"] is False, on.stderr
    unknown = triage_here(["referrals", "users", "disable", "nobody", "--db", "clinic.db"])
    assert unknown.returncode == 1 and unknown.stderr.startswith(
        'error: no account "nobody" in the referral log'
    ), unknown.stderr
    assert triage_here(["referrals", "verify-audit", "--db", "clinic.db"]).returncode == 0
