"""`triage devices listen --profile poct1a-glucose_meter` and `triage devices simulate --kind
poct1a-meter` as real processes over loopback TCP (checklist item 25)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.devices.gateway.test_cli import _free_port, _settings

TRIAGE = Path(sys.executable).with_name("triage")


def test_a_simulated_poct1a_meter_reaches_a_listening_gateway_and_its_results_feed_triage(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = {**os.environ, "TRIAGE_CONFIG": str(_settings(tmp_path))}
    listen = subprocess.Popen(
        [
            str(TRIAGE),
            "devices",
            "listen",
            "--profile",
            "poct1a-glucose_meter",
            "--tcp-listen",
            f"127.0.0.1:{port}",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        simulate = None
        for _ in range(100):  # the listener needs a moment to import and bind
            simulate = subprocess.run(
                [
                    str(TRIAGE),
                    "devices",
                    "simulate",
                    "--kind",
                    "poct1a-meter",
                    "--count",
                    "3",
                    "--tcp",
                    f"127.0.0.1:{port}",
                    "--chunk",
                    "7",
                ],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=60,
                check=False,
            )
            if simulate.returncode == 0 or "cannot connect" not in simulate.stderr + simulate.stdout:
                break
            time.sleep(0.2)
        assert simulate is not None and simulate.returncode == 0, simulate.stderr if simulate else ""
        assert "poct1a-meter: 3/3 messages acknowledged, 0 aborted tries" in simulate.stdout
        time.sleep(0.3)
    finally:
        listen.send_signal(signal.SIGINT)
        out, err = listen.communicate(timeout=20)
    assert listen.returncode == 0, err
    rows = [json.loads(line) for line in out.decode().splitlines()]
    assert (
        sorted((r["code"], r["unit"]) for r in rows)
        == [("glucose_random", "mmol/L")] * 3 + [("hba1c", "%")] * 3
    )
    assert all(r["auto_feed"] and r["patient_id"].startswith("SIM-P") for r in rows)
    stderr = err.decode()
    assert f"listening: poct1a-glucose_meter (poct1a) on tcp listen 127.0.0.1:{port}" in stderr
    assert "poct1a-glucose_meter: 3 messages; 6 new results stored (6 for triage, 0 held)" in stderr
