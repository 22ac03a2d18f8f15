"""A mistyped folder in `--db` or `--wire-log` is refused, not created: `triage devices listen --db
/srv/clinc/clinic.db` made the folder (as root anywhere, /nonexistent/dir included) and listened
into a new, empty referral log nobody looks at; the referral commands taking `--db` the same. The
file itself (a new log, a new wire log folder) is still created in a folder that exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
