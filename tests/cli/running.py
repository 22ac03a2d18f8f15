"""`triage` as a first-day user runs it: a real process in a folder of the test's, no settings
(every TRIAGE_ variable of the test run dropped), `triage` on the PATH so that a line the CLI
suggests runs through a shell as pasted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRIAGE = str(Path(sys.executable).with_name("triage"))


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRIAGE_")}
    env["PATH"] = f"{Path(TRIAGE).parent}{os.pathsep}{env.get('PATH', '')}"
    return env | extra


def run(
    command: list[str] | str, folder: Path, *, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``triage`` with these words, or a line a shell runs (as pasted), in ``folder``."""
    shell = isinstance(command, str)
    line = command if shell else [TRIAGE, *command]
    return subprocess.run(
        line,
        shell=shell,
        cwd=folder,
        env=environment(**extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
