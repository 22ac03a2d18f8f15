"""`triage devices simulate` stopped with SIGTERM (kill, systemd, docker stop, a test harness)
stops as `listen` does: its "stopped" line and exit 0 - it died silently with -15."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.parametrize("connected", [False, True], ids=["waiting-for-the-gateway", "mid-session"])
def test_sigterm_stops_simulate_with_its_stopped_line_and_exit_0(connected: bool, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("triage")),
            "devices",
            "simulate",
            "--tcp-listen",
            "127.0.0.1:0",
            "--count",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    gateway: socket.socket | None = None
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        if connected:
            # a gateway that connects and never answers: the analyzer waits for the ENQ's reply
            port = int(line.split()[2].split(":")[1])
            gateway = socket.create_connection(("127.0.0.1", port))
            gateway.settimeout(10)
            assert gateway.recv(1) == b"\x05"
        else:
            time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if gateway is not None:
            gateway.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, line + out + err
    assert "stopped (SIGTERM); the lines above say which messages were sent" in err
    assert "Traceback" not in err, err
