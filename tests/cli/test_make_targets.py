"""What `make` offers is what it does: `make` alone and `make help` (a first-day user's first
look) named run, test and bench, not the unit, lint, typecheck, system-deps and clean targets the
Makefile declares; and `lint` and `typecheck` were declared phony with no rule, so `make lint` said
"Nothing to be done for 'lint'" and exited 0 - read as "lint passed" with nothing checked. Real
make, dry-run (-n) for the targets, in the repository."""

from __future__ import annotations

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
