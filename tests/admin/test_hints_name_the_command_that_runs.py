"""A command an error suggests names the `triage` that runs, so that it runs when pasted: the
referral log's own messages (`triage referrals backup ...`, written where no command is known) as
the CLI prints them, and the service's line for a database.path that is not a referral log, which
now also says what to do. A fresh clone's shell has no `triage` on its PATH (.venv/bin/triage)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
from pathlib import Path

from referral.migrations import MIGRATIONS
from tests.cli.test_demo_names_a_command_that_runs import _clone
from tests.referral.conftest import log_before
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup_followups import BREAK_THE_CHAIN


def _in_the_clone(args: list[str], clone: Path, bare: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/triage`` with ``args`` in the clone's folder, its PATH finding no triage."""
    return subprocess.run(
        [".venv/bin/triage", *args], cwd=clone, env=bare, capture_output=True, text=True, timeout=120
    )


def test_an_error_from_the_log_names_the_triage_that_ran(tmp_path: Path) -> None:
    bare = _clone(tmp_path)
    clone = tmp_path / "clone"
    log_before(clone / "clinic.db", MIGRATIONS._migrations[-1].name).close()
    listed = _in_the_clone(["referrals", "list", "--db", "clinic.db"], clone, bare)
    assert listed.returncode == 2, listed.stderr
    assert (
        " - back it up (`.venv/bin/triage referrals backup --db clinic.db --out FILE`) and run"
        " `.venv/bin/triage referrals migrate --db clinic.db`\n"
    ) in listed.stderr, listed.stderr
    line = re.search(r"and run `([^`]+)`", listed.stderr)
    assert line is not None, listed.stderr
    made = subprocess.run(
        line[1], shell=True, cwd=clone, env=bare, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr


def test_the_service_says_what_to_do_with_a_file_that_is_not_a_log(tmp_path: Path) -> None:
    bare = _clone(tmp_path)
    clone = tmp_path / "clone"
    (clone / "clinic.db").write_bytes(b"not a referral log\n" * 500)
    serve = subprocess.Popen(
        [".venv/bin/triage", "serve", "--port", "0", "--workers", "1"],
        cwd=clone,
        env=bare | {"TRIAGE_DATABASE__PATH": "clinic.db"},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    said = ""
    try:
        assert serve.stderr is not None
        while "service not ready" not in said:
            ready, _, _ = select.select([serve.stderr], [], [], 120)
            assert ready, said
            line = serve.stderr.readline()
            assert line, said
            said += line
    finally:
        os.kill(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
    assert (
        "database.path clinic.db: not a usable referral log (SQLite: file is not a database) - the wrong file"
        " (check database.path in the settings), or a damaged log: keep it as it is, and with the service"
        " stopped restore the latest backup (`.venv/bin/triage referrals restore --from FILE --db clinic.db --replace-damaged`)"
    ) in said, said


def test_migrate_s_warning_names_the_triage_that_ran(tmp_path: Path) -> None:
    """A log whose chain is broken is backed up and upgraded with a warning ending 'run `triage
    referrals verify-audit` and keep both for an inquiry': written where no command is known."""
    bare = _clone(tmp_path)
    clone = tmp_path / "clone"
    log = _log_0017(clone, *BREAK_THE_CHAIN)
    said = _in_the_clone(["referrals", "migrate", "--db", log.name], clone, bare)
    assert said.returncode == 0, said.stderr
    assert "; warning: its audit chain is broken at entry 2 (" in said.stdout, said.stdout
    assert " - run `.venv/bin/triage referrals verify-audit` and keep both for an inquiry" in said.stdout, (
        said.stdout
    )
