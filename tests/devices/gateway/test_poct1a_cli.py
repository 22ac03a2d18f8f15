"""`triage devices listen --profile poct1a-glucose_meter` and `triage devices simulate --kind
poct1a-meter` as real processes over loopback TCP (checklist item 25)."""

from __future__ import annotations

from pathlib import Path

from tests.devices.gateway.test_cli import listen_and_simulate


def test_a_simulated_poct1a_meter_reaches_a_listening_gateway_and_its_results_feed_triage(
    tmp_path: Path,
) -> None:
    run = listen_and_simulate(
        tmp_path,
        ["--profile", "poct1a-glucose_meter"],
        ["--kind", "poct1a-meter", "--count", "3", "--chunk", "7"],
    )
    assert "poct1a-meter: 3/3 messages acknowledged, 0 aborted tries" in run.simulate.stdout
    assert (
        sorted((r["code"], r["unit"]) for r in run.rows)
        == [("glucose_random", "mmol/L")] * 3 + [("hba1c", "%")] * 3
    )
    assert all(r["auto_feed"] and r["patient_id"].startswith("SIM-P") for r in run.rows)
    assert f"listening: poct1a-glucose_meter (poct1a) on tcp listen 127.0.0.1:{run.port}" in run.stderr
    assert "poct1a-glucose_meter: 3 messages; 6 new results stored (6 for triage, 0 held)" in run.stderr
