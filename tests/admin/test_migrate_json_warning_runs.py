"""`triage referrals migrate --json`'s `warning` names the `triage` that runs, as its text line
does (``triage.command_name.runnable``): a shell whose PATH finds no `triage` (a fresh clone's:
`.venv/bin/triage`) got a plain `triage referrals verify-audit` there, "command not found" when
pasted. The real `triage` process, started by its path with a PATH that has none; a real SQLite
log whose audit chain is broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from referral.facilities import DEMO_CSV
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup_followups import BREAK_THE_CHAIN

TRIAGE = Path(sys.executable).with_name("triage")


def test_migrate_json_warning_names_the_triage_that_runs(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log", *BREAK_THE_CHAIN)
    bare = {k: v for k, v in os.environ.items() if k != "TRIAGE_CONFIG"} | {"PATH": "/usr/bin:/bin"}
    args = [str(TRIAGE), "referrals", "migrate", "--db", str(log), "--json"]
    done = subprocess.run(args, env=bare, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning = json.loads(done.stdout)["warning"]
    assert f"run `{TRIAGE} referrals verify-audit` and keep both" in warning, warning


def test_an_upgrade_on_opening_warns_of_a_broken_chain_naming_the_triage_that_runs(tmp_path: Path) -> None:
    """A command that upgrades the log as it opens it (`facilities load`, `acknowledge`, `devices
    listen` ...: ``referral.schema.connect``) logged its line only when an older backup could not be
    removed: a log whose chain was broken was upgraded without a word, where `migrate` and `serve`
    warn. Its line now says it too, its `triage` the one that runs."""
    log = _log_0017(tmp_path / "log", *BREAK_THE_CHAIN)
    bare = {k: v for k, v in os.environ.items() if k != "TRIAGE_CONFIG"} | {"PATH": "/usr/bin:/bin"}
    args = [str(TRIAGE), "referrals", "facilities", "load", str(DEMO_CSV), "--db", str(log)]
    done = subprocess.run(args, env=bare, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"referral log {log} upgraded; its backup taken first is " in done.stderr, done.stderr
    assert "; warning: its audit chain is broken at entry 2 (" in done.stderr, done.stderr
    assert f"run `{TRIAGE} referrals verify-audit` and keep both" in done.stderr, done.stderr
