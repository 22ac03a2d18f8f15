"""What `make run` leaves a first-day user when the demo stops: `its referral log stays: ... (what
the demo did: triage referrals stats --db ...)`. `make run` starts `.venv/bin/triage demo`, and a
fresh clone's shell has no `triage` on its PATH (the venv is not activated), so the line it pasted
said `bash: triage: command not found`. Now the line names the `triage` that ran the demo when the
PATH would not find it (`.venv/bin/triage` from the repository's folder, as make runs it), and plain
`triage` when the PATH does. So do the commands an error suggests (the missing log's `migrate`
line). A real demo process; the named command run through a shell as pasted. Plain `triage`, with
`triage` on the PATH, is tests/cli/test_demo_says_what_next.py's first test (the same demo run, the
whole line it prints, and the command run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.cli.running import TRIAGE, environment
from tests.service.test_serve_startup import unstamped


def _kept_line(stderr: str) -> str:
    kept = next((line for line in unstamped(stderr) if line.startswith("its referral log stays: ")), None)
    assert kept is not None, stderr
    return kept


def _clone(tmp_path: Path) -> dict[str, str]:
    """A clone's folder with its .venv/bin/triage, and an environment whose PATH finds no triage."""
    venv = tmp_path / "clone" / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "triage").symlink_to(TRIAGE)  # as make runs it: .venv/bin/triage from the clone's folder
    return {
        **environment(),
        "PATH": os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if shutil.which("triage", path=p) is None
        ),
    }


def test_without_triage_on_the_path_the_line_names_the_one_that_ran(tmp_path: Path) -> None:
    bare = _clone(tmp_path)
    demo = [".venv/bin/triage", "demo", "--seconds", "1", "--interval", "1", "--port", "0"]
    done = subprocess.run(
        demo,
        cwd=tmp_path / "clone",
        env=bare | {"TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    kept = _kept_line(done.stderr)
    command = re.search(r"\(what the demo did: (\S+) referrals stats --db (\S+);", kept)
    assert command is not None and command[1] == ".venv/bin/triage", kept
    stats = subprocess.run(
        command[0][len("(what the demo did: ") : -1],
        shell=True,
        cwd=tmp_path / "clone",
        env=bare,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stats.returncode == 0 and "encounters: " in stats.stdout, stats.stderr


def test_the_missing_log_s_migrate_line_names_the_one_that_ran(tmp_path: Path) -> None:
    bare = _clone(tmp_path)
    clone = tmp_path / "clone"
    listed = subprocess.run(
        [".venv/bin/triage", "referrals", "list"],
        cwd=clone,
        env=bare,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 1
    line = re.search(r"create a new log there with `([^`]+)`", listed.stderr)
    assert (
        line is not None
        and line[1] == "mkdir -p var && .venv/bin/triage referrals migrate --db var/clinic.db"
    ), listed.stderr
    made = subprocess.run(
        line[1], shell=True, cwd=clone, env=bare, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
