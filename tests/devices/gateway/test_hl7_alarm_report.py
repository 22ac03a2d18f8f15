"""An ORU^R40 (HL7 v2.7's "report alarm", IHE PCD-04's Report Alert) is an alarm, not results.

What was wrong: every ORU was read as results, whatever its trigger, so an alarm report was
answered AA and its OBX stored as measurements - the reading that raised the alarm (an SpO2 of 85
%) became a result of the patient beside the periodic ORU^R01 ones, the alarm's own OBX (its type,
phase, state) unmapped codes for review, and the alarm source was told the alarm was taken by a
receiver that reads no alarm. It is now answered AR (CR in enhanced mode, as IHE PCD-04 asks with
MSH-15 AL) naming the type, its ERR table 0357's 201 (unsupported event code) at MSH-9; kept
(evidence) with no result and counted not handled, as a message of another type is. The other ORU
triggers (R01, R30-R32, none) stay results: tests/devices/codecs/test_hl7_specimens.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.codecs import hl7
from devices.gateway import DeviceStatus
from tests.devices.codecs.wire import strict_profile
from tests.devices.gateway.harness import count
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, msa_fields
from tests.devices.gateway.test_hl7_other_message_types import answered_before_a_result
from triage.cli import main
from triage.cli.devices_result_lines import status_line

ALARM = (
    b"MSH|^~\\&|ACM_AR^0123456789ABCDEF^EUI-64|WARD|LIS|CLINIC|20260105083000||ORU^R40^ORU_R40|ALARM-1|P|2.6"
    b"|||AL|NE\r"
    b"PID|1||SIM-P9^^^^MR||SYNTHETIC^PATIENT\r"
    b"OBR|1|ALARM-1^ACM|ALARM-1^ACM|196616^MDC_EVT_ALARM^MDC|||20260105083000\r"
    b"OBX|1|ST|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196648^MDC_EVT_LO^MDC||||||F\r"
    b"OBX|2|NM|SPO2^SPO2|1.0.0.0.2|85|%|||||F|||20260105083000\r"
    b"OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|start||||||F\r"
)
SAID = "ORU^R40 is an alarm report (IHE PCD-04), not results: alarms are not read"


def refused_beside_a_result(tmp_path: Path, message: bytes, control_id: str, said: str) -> DeviceStatus:
    """``message`` - a result type whose OBX are no results, MSH-15 ``AL`` - then an ORU^R01 on one
    connection to a live gateway: ``message`` answered CR saying ``said`` (MSA-3 within its 80, not
    cut), its ERR table 0357's 201 at MSH-9; the ORU^R01 AA; ``message`` kept, none of its OBX a
    result. The link's status."""
    db_path = tmp_path / "clinic.db"
    reject, accept, status = answered_before_a_result(db_path, message)
    assert msa_fields(reject)[:3] == ["MSA", "CR", control_id], reject
    text = said.replace("^", "\\S\\")  # a component separator in a field is escaped
    assert msa_fields(reject)[3] == text, reject
    err = next(s for s in reject.split(b"\r") if s.startswith(b"ERR")).decode()
    assert err == f"ERR||MSH^1^9|201^Unsupported event code^HL70357|E|||{text}|{text}"
    assert msa_fields(accept)[:3] == ["MSA", "AA", "CTL-S1"]  # the ORU^R01 after it: results
    # the message kept (evidence), none of its OBX a result: the two are the ORU^R01's
    assert count(db_path, "device_messages") == 2 and count(db_path, "device_results") == 2
    assert count(db_path, "device_quarantine") == 0
    assert status.results == 2
    return status


def test_an_alarm_report_is_rejected_naming_it_and_stores_no_result(tmp_path: Path) -> None:
    status = refused_beside_a_result(tmp_path, ALARM, "ALARM-1", SAID)
    assert dict(status.unhandled) == {"ORU^R40 message": 1}
    assert "1 message not handled (1 ORU^R40 message); " in status_line(status)


def no_results_in(raw: bytes) -> bool:
    """Whether the codec reads ``raw`` as a type it does not take, and decodes no result of it."""
    profile = strict_profile(protocol="hl7")
    return hl7.unsupported_type(hl7.parse_message(raw, profile)) is not None and hl7.decode_message(
        profile, raw
    ) == ([], [])


@pytest.mark.parametrize("msh9", ["ORU^R40", "oru^r40^ORU_R40", " ORU ^ R40 "])
def test_the_codec_names_an_alarm_report_however_it_is_written(msh9: str) -> None:
    assert no_results_in(ALARM.replace(b"ORU^R40^ORU_R40", msh9.encode()))


def test_replay_says_the_alarm_report_is_not_handled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "alarm.hl7"
    capture.write_bytes(VT + ALARM + FS_CR)
    main(["devices", "replay", str(capture), "-p", "hl7", "--profile", "generic-hl7"])
    err = capsys.readouterr().err
    assert f"{capture}: byte 1: not handled: {SAID}: the gateway answers it AR" in err, err
    assert "1 message, 0 results" in err and "; 1 message not handled (1 ORU^R40); " in err, err
