"""`triage serve` and `triage demo` as a user runs them (real processes, real ports)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

TRIAGE = str(Path(sys.executable).with_name("triage"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_busy_port_is_one_clear_line_not_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command in ("serve", "demo"):
            result = subprocess.run(
                [TRIAGE, command, "--port", str(port)], capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 2
            assert result.stderr.strip() == (
                f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
                "stop the other program or choose --port"
            )


def test_bounded_demo_runs_the_pipeline_and_stops_by_itself(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            TRIAGE,
            "demo",
            "--seconds",
            "9",
            "--interval",
            "1",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC" in result.stdout
    for user in ("admin", "doctor", "nurse"):
        assert f"  {user}" in result.stdout
    assert "Traceback" not in result.stderr
    db = sqlite3.connect(tmp_path / "demo-clinic.db")
    assert (
        db.execute("SELECT count(*) FROM assessments WHERE created_by = 'device-gateway'").fetchone()[0] >= 1
    )
    assert db.execute("SELECT count(*) FROM facilities WHERE synthetic = 1").fetchone()[0] > 0
    again = subprocess.run(
        [TRIAGE, "demo", "--data-dir", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 1 and "already exists" in again.stderr, "the demo never reuses a database"
