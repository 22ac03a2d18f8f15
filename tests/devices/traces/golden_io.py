"""The trace table and the golden-file format shared by the golden tests and the regenerator.

Golden files are written ONCE by ``python -m tests.devices.traces.regenerate_golden`` and then
inspected by hand against the trace content; the tests compare replay output to them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from devices.profile import load_profile
from triage.intake import observation_record, replay_capture

HERE = Path(__file__).parent
DATA = HERE / "data"
GOLDEN = HERE / "golden"
#: Arrival time used for line devices that send no time of their own (oximeter lines).
RECEIVED_AT = datetime.fromisoformat("2024-11-25T10:00:00+08:00")

#: trace file -> bundled profile name
TRACES: dict[str, str] = {
    "abbott-afinion2.astm": "abbott-afinion2",
    "arkray-spotchem_el_se1520.raw": "arkray-spotchem_el",
    "biomerieux-mini_vidas.raw": "biomerieux-mini_vidas",
    "biorad-ihcom_v52-multipatient.astm": "biorad-ihcom_v52-multipatient",
    "cepheid-genexpert.astm": "cepheid-genexpert",
    "euroimmun-analyzer1.astm": "euroimmun-analyzer1",
    "horiba-pentra_xlr.astm": "horiba-pentra_xlr",
    "horiba-yumizen_h500.astm": "horiba-yumizen_h500",
    "horiba-yumizen_h550.astm": "horiba-yumizen_h550",
    "roche-cobas_c111.astm": "roche-cobas_c111",
    "roche-cobas_c311.astm": "roche-cobas_c311",
    "siemens-dca_vantage.astm": "siemens-dca_vantage",
    "sysmex-xn550.astm": "sysmex-xn550",
    "sysmex-xp100.astm": "sysmex-xp100",
    "nonin-oximeter.txt": "nonin-oximeter",
    "bp-monitor.txt": "bp-monitor",
    "urine-strip.txt": "urine-strip",
    "mindray-bs380.hl7": "mindray-bs380",
    "poct1a-glucose_meter.xml": "poct1a-glucose_meter",
    "ble-glucose_meter.txt": "ble-glucose_meter",
    "ble-weight_scale.txt": "ble-weight_scale",
    "ble-pulse_oximeter_continuous.txt": "ble-pulse_oximeter_continuous",
}


def replay_summary(trace: str) -> dict[str, object]:
    """Everything a golden file pins down for one trace."""
    profile = load_profile(TRACES[trace])
    report = replay_capture(profile, (DATA / trace).read_bytes(), received_at=RECEIVED_AT)
    observations: dict[str, list[dict[str, object]]] = {"fed": [], "unlinked": []}
    for kind, pairs in (("fed", report.observations), ("unlinked", report.unlinked)):
        for result, obs in pairs:
            record = observation_record(result, obs)
            record.pop("message_id")
            observations[kind].append(record)
    return {
        "trace": trace,
        "profile": profile.device_id,
        "messages": report.messages,
        "observations": observations["fed"],
        # valid final results without a patient id, held by the gateway ("no patient link")
        # unless a device association links them: their observations, pinned as the others
        "observations_without_patient": observations["unlinked"],
        "results": [
            {
                "vendor_code": r.vendor_code,
                "code": r.code,
                "value": r.value,
                "unit": r.unit,
                "status": r.status,
                "qc": r.qc,
                "flags": list(r.flags),
                "sample_id": r.sample_id,
                "patient_id": r.patient_id,
            }
            for r in report.results
        ],
        "quarantined": [{"reason": q.reason, "byte_offset": q.byte_offset} for q in report.quarantined],
        "not_for_triage": sorted({refusal.reason for _, refusal in report.held_back}),
        # (byte of the resend, byte of the earlier result): the gateway stores these once
        "resends": [[resend.byte_offset, earlier.byte_offset] for resend, earlier in report.resends],
        "tolerance": report.tolerance,
    }


def golden_path(trace: str) -> Path:
    return GOLDEN / f"{trace.rsplit('.', 1)[0]}.json"
