"""`triage referrals ...` run by an administrator from another folder than the service's: the
default `database.path` (var/clinic.db) is relative, so it is not the service's log there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TRIAGE = str(Path(sys.executable).with_name("triage"))


def test_a_missing_relative_log_is_named_absolute_and_the_settings_are_pointed_to(tmp_path: Path) -> None:
    """It said only 'no referral log at var/clinic.db; create it with ...': followed, that made a
    new empty log beside the folder's real one."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TRIAGE_")}
    done = subprocess.run(
        [TRIAGE, "referrals", "verify-audit"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        f"error: no referral log at var/clinic.db ({tmp_path / 'var' / 'clinic.db'}: a relative path is the"
        " working folder's); give --db, or the settings the service runs with (--config, $TRIAGE_CONFIG),"
        f" or create a new log there with `mkdir -p var && {_as_pasted(env)} referrals migrate --db var/clinic.db`\n"
    )
    assert not (tmp_path / "var").exists()


def _as_pasted(env: dict[str, str]) -> str:
    """``triage`` as the line names it: plain when this PATH finds the one that ran, else its path
    (tests/cli/test_demo_names_a_command_that_runs.py)."""
    found = shutil.which("triage", path=env.get("PATH"))
    return "triage" if found is not None and Path(found).resolve() == Path(TRIAGE).resolve() else TRIAGE
