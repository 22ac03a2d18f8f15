"""`triage devices replay`: results sent again (a resent message, a correction, a final after a
preliminary, a frame resent after its NAK) follow the gateway's exactly-once rule."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devices.profile import load_profile
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from tests.devices.traces.golden_io import DATA, RECEIVED_AT
from triage.cli import main
from triage.intake import replay_capture

WHEN = datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_resent_message_is_named_and_counted_as_the_gateway_stores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An HL7 capture with every message sent twice (ACKs lost): the second copies' results are
    resends - the gateway acknowledges them and stores nothing - named on stderr, printed once."""
    once = (DATA / "mindray-bs380.hl7").read_bytes()
    capture = tmp_path / "twice.hl7"
    capture.write_bytes(once + once)
    assert main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380"]) == 1
    out, err = capsys.readouterr()
    single = replay_capture(load_profile("mindray-bs380"), once)
    assert len(out.splitlines()) == len(single.observations) == 4  # each observation printed once
    assert err.count("): the gateway stores it once") == len(single.results) == 7
    assert "6 messages, 14 results: 4 observations, 1 for review (1 unmapped_code), " in err
    assert "2 not for triage (1 ignored, 1 qc), 7 resends of an earlier result;" in err


def _astm(patient: str, sample: str, value: str, status: str = "F") -> bytes:
    """One ASTM message (records, no link framing) of a glucose result at ``WHEN``."""
    sample_ = sample_from_values("astm-analyzer", patient, sample, {"glucose_random": 5.0}, observed_at=WHEN)
    text = b"\r".join(astm_records(sample_)) + b"\r"
    return text.replace(b"|5.0|", f"|{value}|".encode()).replace(b"||F||", f"||{status}||".encode())


def test_replay_resends_follow_the_gateways_exactly_once_rule() -> None:
    """Same key as the earlier result: a resend unless it replaces it (a correction with another
    value, a final after a preliminary); patients without a sample id at the same time are each
    their own result (the key takes the patient); a line reading has no device time, never a resend."""
    profile = simulator_profile("astm-analyzer", "analyzer")
    capture = b"".join(
        [
            _astm("SIM-P1", "SIM-S1", "5.8", "P"),
            _astm("SIM-P1", "SIM-S1", "5.8"),  # final replaces preliminary
            _astm("SIM-P1", "SIM-S1", "5.8"),  # resend
            _astm("SIM-P1", "SIM-S1", "6.1", "C"),  # correction
            _astm("SIM-P1", "SIM-S1", "6.1", "C"),  # resend of the correction
            _astm("SIM-P2", "", "7.0"),
            _astm("SIM-P3", "", "7.0"),  # another patient, no sample id, same time: not a resend
        ]
    )
    report = replay_capture(profile, capture)
    assert len(report.results) == 7
    assert [(r.byte_offset, e.byte_offset) for r, e in report.resends] == [
        (report.results[2].byte_offset, report.results[1].byte_offset),
        (report.results[4].byte_offset, report.results[3].byte_offset),
    ]
    assert [r.patient_id for r, _ in report.observations][-2:] == ["SIM-P2", "SIM-P3"]
    oximeter = (DATA / "nonin-oximeter.txt").read_bytes()
    lines = replay_capture(load_profile("nonin-oximeter"), oximeter + oximeter, received_at=RECEIVED_AT)
    assert lines.resends == [] and len(lines.results) > 0


def test_a_frame_the_capture_holds_again_after_its_nak_is_used_as_the_gateway_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A device resends a frame the gateway NAKed, so a capture of what it sent (a serial sniffer,
    either direction) holds the corrupted frame and then its resend. The gateway stores the
    message; replay dropped it whole ('message not used: frame at byte N was rejected ... and a
    capture has no resend'), 0 results where the gateway stores 21. Now the frame's resend is used
    and the bad copy named with it; a rejected frame with no resend after it still taints its message."""
    pentra = (DATA / "horiba-pentra_xlr.astm").read_bytes()
    frames = [b"\x02" + piece for piece in pentra.split(b"\x02")[1:]]
    fifth = frames[4]
    damaged = fifth.replace(b"|", b"!", 1)  # one byte changed on the line: its checksum no longer holds
    capture = tmp_path / "pentra-nak.astm"
    capture.write_bytes(b"".join(frames[:4]) + damaged + b"\x15" + b"".join(frames[4:]))
    profile = load_profile("horiba-pentra_xlr")
    report = replay_capture(profile, capture.read_bytes())
    clean = replay_capture(profile, pentra)
    assert [r.vendor_code for r in report.results] == [r.vendor_code for r in clean.results]
    assert len(report.results) == 21
    at = len(b"".join(frames[:4]))
    [bad] = report.without_result()
    assert (bad.reason, bad.byte_offset) == ("bad_frame", at)
    assert bad.detail.startswith("frame 5: checksum mismatch: frame says ")
    assert bad.detail.endswith(
        f"; the capture holds its resend (byte {at + len(damaged) + 1}), which is used"
    )
    # without the resend the message is still not used
    lost = replay_capture(profile, b"".join(frames[:4]) + damaged + b"".join(frames[5:]))
    assert lost.results == [] and any(q.reason == "incomplete_message" for q in lost.quarantined)
    assert main(["devices", "replay", str(capture), "--profile", "horiba-pentra_xlr"]) == 1
    err = capsys.readouterr().err
    assert "21 results" in err and "1 quarantined without a result" in err
