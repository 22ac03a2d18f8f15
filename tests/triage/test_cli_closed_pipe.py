"""``triage ... | head -1``: a reader that closes the pipe early ends the command quietly, as the
shell reports for a program SIGPIPE ended (128 + 13), for every command. Real processes, real pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TRIAGE = str(Path(sys.executable).with_name("triage"))


@pytest.mark.parametrize(
    "args",
    [("models", "list"), ("models", "list", "--json"), ("--help",), ("models", "--help"), ("--version",)],
)
def test_output_to_a_pipe_its_reader_closed_ends_quietly_with_141(args: tuple[str, ...]) -> None:
    """It exited 1 (typer's own handling), a failure to a script or `set -o pipefail`, with
    nothing said; the status now says what happened and stderr stays empty."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written: no race
    try:
        done = subprocess.run(
            [TRIAGE, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert done.stderr == ""
