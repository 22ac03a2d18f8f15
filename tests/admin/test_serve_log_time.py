"""Every line `triage serve --workers 2` and its worker write to standard error starts with its
ISO-8601 UTC time: docs/service.md has an administrator append standard error to a file
(`triage serve 2>>/var/log/clinic-triage.log`), where uvicorn's lines, the service's warnings and
the `ready:` line had no time at all - a worker's crash or a log that stopped opening could not
be placed. A real `triage serve` on loopback with a real SQLite log."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.service.test_serve_startup import TRIAGE, _serve_once, environment, unstamped

STAMPED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \S")
STAMP = re.compile(STAMPED.pattern[:-2])  # a line that is indented after its time (the demo's accounts)


def test_every_line_of_serve_and_its_worker_starts_with_its_utc_time(tmp_path: Path) -> None:
    # a new log: the service's own warning ("there was none, a new empty one was created")
    text = _serve_once(tmp_path / "clinic.db", tmp_path, "serve.log", "--log-level", "info")
    lines = text.splitlines()
    assert [line for line in lines if not STAMPED.match(line)] == [], lines
    said = unstamped("\n".join(lines))
    assert said[0].startswith("clinic service on http://127.0.0.1:"), said
    assert sum(line.startswith("INFO:     Started server process [") for line in said) == 2, said  # both
    assert any(line.startswith("referral log ") for line in said), said
    assert any(line.startswith("ready: ") for line in said), said


def test_every_line_the_demo_writes_starts_with_its_utc_time(tmp_path: Path) -> None:
    """`triage demo` wrote its own lines - the URL, its accounts, "demo stopped after ..." - without
    a time, where serve's (and the demo's own uvicorn lines) had one."""
    command = [TRIAGE, "demo", "--seconds", "2", "--interval", "1", "--port", "0"]
    command += ["--data-dir", str(tmp_path / "demo")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment())
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        lines = stream.splitlines()
        assert lines and [line for line in lines if not STAMP.match(line)] == [], lines
    said = unstamped(result.stdout)
    assert said[0] == "clinic-triage demo - SYNTHETIC patients, not for clinical use", said
    assert any(line.startswith("clinic service: http://127.0.0.1:") for line in said), said
    assert unstamped(result.stderr)[-1].startswith("demo stopped after "), result.stderr
