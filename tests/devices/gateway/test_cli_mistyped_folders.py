"""A mistyped folder in `--db` or `--wire-log` is refused, not created: `triage devices listen --db
/srv/clinc/clinic.db` made the folder (as root anywhere, /nonexistent/dir included) and listened
into a new, empty referral log nobody looks at; the referral commands taking `--db` the same. The
file itself (a new log, a new wire log folder) is still created in a folder that exists."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.test_log_retry import serve_on, wait_for
from tests.service.test_serve_startup import environment
from triage.cli import main

TRIAGE = str(Path(sys.executable).with_name("triage"))
LISTEN = ["devices", "listen", "--protocol", "astm", "--tcp-listen", "127.0.0.1:0"]


@pytest.mark.parametrize("option", ["--db", "--wire-log"])
def test_listen_refuses_a_path_in_a_folder_that_does_not_exist(option: str, tmp_path: Path) -> None:
    missing = tmp_path / "clinc"
    given = missing / ("clinic.db" if option == "--db" else "wire")
    others = ["--db", str(tmp_path / "clinic.db")] if option == "--wire-log" else []
    # a process: one that took the path would listen until stopped (the timeout only ends that)
    listen = subprocess.run(
        [TRIAGE, *LISTEN, *others, option, str(given)], capture_output=True, text=True, timeout=120
    )
    assert listen.returncode == 2
    assert listen.stderr == (
        f"error: {option} {given}: the folder {missing} does not exist (a mistyped path?); check it, or"
        f" create the folder first (mkdir -p {missing})\n"
    )
    assert not missing.exists()


@pytest.mark.parametrize("command", [["referrals", "migrate"], ["referrals", "list"], ["referrals", "stats"]])
def test_the_referral_commands_refuse_a_log_in_a_folder_that_does_not_exist(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    assert main([*command, "--db", str(missing / "clinic.db")]) == 2
    assert (
        f"error: --db {missing / 'clinic.db'}: the folder {missing} does not exist" in capsys.readouterr().err
    )
    assert not missing.parent.exists()


def test_a_new_log_in_a_folder_that_exists_is_still_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "clinic.db"
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    assert log.is_file() and "applied" in capsys.readouterr().out


def test_listen_refuses_a_database_path_from_the_settings_in_a_folder_that_does_not_exist(
    tmp_path: Path,
) -> None:
    """Without --db, listen stores into the settings' database.path: a mistyped folder there was
    created as --db's was."""
    missing = tmp_path / "clinc"
    given = missing / "clinic.db"
    env = environment() | {"TRIAGE_DATA_DIR": str(tmp_path), "TRIAGE_DATABASE__PATH": str(given)}
    listen = subprocess.run([TRIAGE, *LISTEN], capture_output=True, text=True, timeout=120, env=env)
    assert listen.returncode == 2, listen.stderr
    assert listen.stderr == (
        f"error: database.path {given}: the folder {missing} does not exist (a mistyped path?); check it,"
        f" or create the folder first (mkdir -p {missing})\n"
    )
    assert not missing.exists()


def test_serve_creates_no_missing_log_folder_and_says_which_and_what_to_do(tmp_path: Path) -> None:
    """`triage serve` with database.path in a folder that does not exist made the folder and a new,
    empty log in it, where `devices listen --db` refuses the same path: it now creates neither,
    stays not ready saying which folder and what to do (a mistyped path, or a mount not back yet:
    tried again), and opens the log once the folder is there. A real `triage serve` on loopback."""
    missing = tmp_path / "clinc"
    db_path = missing / "clinic.db"
    process, base, log = serve_on(db_path, tmp_path)
    try:
        body = wait_for(base, 503, process, log, 60)
        assert body["retry"]["failed_attempts"] >= 1, body
        said = (
            f"service not ready: invalid_config: database.path {db_path}: the folder {missing} does not"
            f" exist (a mistyped path, or a mount not back yet?); check database.path, or create the"
            f" folder first (mkdir -p {missing}), owned by the service's user; the service creates no"
            " folder and tries again"
        )
        assert said in log.read_text(encoding="utf-8")
        assert not missing.exists()
        missing.mkdir()  # the administrator makes it (or the mount comes back)
        assert wait_for(base, 200, process, log, 60)["ready"] is True
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 130
    assert db_path.is_file()
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_listen_refuses_a_folder_given_as_the_log_as_the_referral_commands_do(tmp_path: Path) -> None:
    """`--db /srv/clinic` (the file's name left out) said 'cannot open the clinic database
    /srv/clinic: unable to open database file', where `triage referrals list` says it is a folder
    and which file to give."""
    listen = subprocess.run(
        [TRIAGE, *LISTEN, "--db", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert listen.returncode == 2
    assert listen.stderr == (
        f"error: referral log: {tmp_path} is a folder; give the log file, e.g. {tmp_path / 'clinic.db'}"
        " (--db, database.path)\n"
    )
