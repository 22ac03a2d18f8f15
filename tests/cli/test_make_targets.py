"""What `make` offers is what it does: `make` alone and `make help` (a first-day user's first
look) named run, test and bench, not the unit, lint, typecheck, system-deps and clean targets the
Makefile declares; and `lint` and `typecheck` were declared phony with no rule, so `make lint` said
"Nothing to be done for 'lint'" and exited 0 - read as "lint passed" with nothing checked. Real
make, dry-run (-n) for the targets, in the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
PHONY = re.search(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.MULTILINE)

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None, reason="make not installed: apt-get install make"
)


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-C", str(REPO), *args], capture_output=True, text=True, timeout=60)


def test_help_names_every_target() -> None:
    assert PHONY is not None
    targets = PHONY[1].split()
    assert {"run", "test", "lint", "typecheck", "help"} <= set(targets)
    said = _make("help")
    assert said.returncode == 0, said.stderr
    unnamed = [
        t for t in targets if t != "help" and not re.search(rf"^make {t}\b", said.stdout, re.MULTILINE)
    ]
    assert not unnamed, f"`make help` does not name: {unnamed}\n{said.stdout}"
    assert _make().stdout == said.stdout, "`make` alone is `make help`"


@pytest.mark.parametrize("target", PHONY[1].split() if PHONY else [])
def test_every_declared_target_does_something(target: str) -> None:
    planned = _make("-n", target)
    assert planned.returncode == 0, planned.stderr
    assert "Nothing to be done" not in planned.stdout, f"`make {target}`: {planned.stdout}"


def test_make_run_on_a_busy_port_says_how_make_takes_another(tmp_path: Path) -> None:
    """`make run` with port 8000 taken (a developer's server, a second demo) ended 'error: cannot
    listen on 127.0.0.1:8000: Address already in use; stop the other program or choose --port' - and
    `make run --port 8080` is make's own 'unrecognized option'; the Makefile takes PORT=. The demo's
    own line and exit (75) stay. `-o` keeps make from re-installing the venv (real make, real
    demo, a port held by this test)."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        env = {key: value for key, value in os.environ.items() if not key.startswith("TRIAGE_")}
        ran = subprocess.run(
            ["make", "-C", str(REPO), "-o", ".venv/.run-installed", "run", f"PORT={port}"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env | {"TMPDIR": str(tmp_path)},
        )
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in ran.stderr, ran.stderr
    assert "; with make: make run PORT=8080 (HOST=0.0.0.0 for other machines)" in ran.stderr, ran.stderr
    assert "Error 75" in ran.stderr, ran.stderr  # make still says the run failed, with the demo's exit
