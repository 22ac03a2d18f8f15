"""The analyst's long commands say they have started before they import their libraries.

`triage study rebuild` and `triage report imbalance | simulate | generate` imported pandas,
matplotlib, DuckDB and the ERGM engine before their first progress line: 2 s on a quiet machine,
7 s on a busy one, with nothing printed at all. Each runs here in its own process with a spy on
the import system that writes a mark on stderr when the first of those libraries is imported;
the first progress line must come before it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"
HEAVY = ("pandas", "matplotlib", "duckdb", "scipy", "networkx")
MARK = "<a heavy library imported>"

SPY = f"""
import sys

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in {HEAVY!r}:
            sys.stderr.write({MARK!r} + "\\n")
            sys.stderr.flush()
            sys.meta_path.remove(self)
        return None

sys.meta_path.insert(0, Spy())
from triage.__main__ import main
sys.argv = ["triage", *sys.argv[1:]]
sys.exit(main())
"""


def _stderr_lines(*args: str) -> list[str]:
    """The command's stderr up to the spy's mark, the process stopped there: what the test reads
    comes before the first heavy import, and the rest of the run (an export, a fit, a report: the
    commands' own tests run them through) would only add time. A command that ends before its
    first heavy import, or fails, is shown with its exit status and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-c", SPY, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if lines[-1] == MARK:
                break
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        rest = process.stderr.read()
        process.stderr.close()
        returncode = process.wait(timeout=60)
    assert MARK in lines, f"exit {returncode}, no heavy import seen:\n" + "\n".join(lines) + rest
    return lines


def test_report_generate_says_it_is_loading_before_it_imports(tmp_path: Path) -> None:
    out = tmp_path / "exports"
    lines = _stderr_lines(
        "report", "generate", "--clinics", "2", "--rows", "800", "--months", "8", "--out", str(out)
    )
    assert lines[0] == "... loading the analysis libraries", lines
    assert lines.index(MARK) == 1


def test_study_rebuild_says_it_is_loading_before_it_imports(tmp_path: Path) -> None:
    lines = _stderr_lines("study", "rebuild", "--data", str(EXAMPLE), "--out", str(tmp_path / "out"))
    assert lines[0] == "... [0/6] loading the analysis libraries", lines
    assert lines.index(MARK) == 1


@pytest.mark.parametrize(
    "command", [["imbalance"], ["simulate"], ["simulate", "--thresholds", "5:0.20,7:0.10"]], ids=" ".join
)
def test_report_says_it_is_loading_before_it_imports(
    command: list[str], generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    lines = _stderr_lines("report", *command, "--input", str(export), "--out", str(tmp_path / "out"))
    assert lines[0] == "... loading the analysis libraries", lines
    assert lines.index(MARK) == 1
