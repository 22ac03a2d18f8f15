"""All 14 real traces (plus the 3 synthetic line-device samples) replay to their golden files."""

from __future__ import annotations

import json

import pytest

from tests.devices.traces.golden_io import TRACES, golden_path, replay_summary


@pytest.mark.parametrize("trace", sorted(TRACES))
def test_trace_replays_to_golden(trace: str) -> None:
    expected = json.loads(golden_path(trace).read_text(encoding="utf-8"))
    assert replay_summary(trace) == expected


def test_every_shared_trace_has_a_golden_file() -> None:
    real = [t for t in TRACES if t.endswith((".astm", ".raw"))]
    assert len(real) == 14
    assert all(golden_path(t).exists() for t in TRACES)


def test_golden_pins_the_clinically_relevant_values() -> None:
    """A hand-checked subset, so a regenerated golden cannot silently drift on what matters."""
    afinion = json.loads(golden_path("abbott-afinion2.astm").read_text())
    assert [(o["code"], o["value"], o["unit"], o["patient_id"]) for o in afinion["observations"]] == [
        ("hba1c", 5.9, "%", "3643")
    ]
    xn = {
        o["code"]: o["value"]
        for o in json.loads(golden_path("sysmex-xn550.astm").read_text())["observations"]
    }
    assert xn == {"wbc": 8.13, "hemoglobin": 80.0, "hematocrit": 22.7, "platelets": 99.0}  # HGB 8.0 g/dL
    euro = json.loads(golden_path("euroimmun-analyzer1.astm").read_text())
    values = [r["value"] for r in euro["results"]]
    assert values[:2] == [">8", "7.41"] and len(values) == 20  # 20 patients, censored and decimal comma
    assert len({r["patient_id"] for r in euro["results"]}) == 20
    for qc_trace in ("horiba-yumizen_h500.astm", "horiba-yumizen_h550.astm"):
        g = json.loads(golden_path(qc_trace).read_text())
        assert (
            g["observations"] == [] and all(r["qc"] for r in g["results"]) and g["not_for_triage"] == ["qc"]
        )
    bp = json.loads(golden_path("bp-monitor.txt").read_text())
    # the BP monitor sends no patient id: the gateway holds its readings until a device
    # association links them ("no patient link"), so none is fed and each is pinned unlinked
    assert bp["observations"] == [] and "no_patient" in bp["not_for_triage"]
    assert bp["observations_without_patient"]
    assert (
        all(o["value"] != 0 for o in bp["observations_without_patient"])
        and "no_value" in bp["not_for_triage"]
    )
