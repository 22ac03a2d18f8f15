"""An ORU^R42 (IHE PCD-10 "communicate infusion event data", the IPEC profile) is events, not results.

What was wrong: ORU^R40 (an alarm) was refused, but every other ORU trigger was read as results, so
an infusion pump's event report was answered AA and its OBX stored: the event itself (delivery
started, rate changed, KVO, completed) and the settings reported beside it (the programmed rate,
the volume infused) - a pump's state, no measurement of the patient - went to review as unmapped
codes, and the pump (or its gateway) was told its event stream was followed by a receiver that
reads no event. IHE PCD TF's IPEC supplement (CP-PCD-062 gave it the trigger R42) keeps device
events apart from observations for exactly this. It is now answered AR (CR with MSH-15 AL) naming
the type, its ERR table 0357's 201 (unsupported event code) at MSH-9, kept with no result and
counted not handled, as ORU^R40 is (test_hl7_alarm_report.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.gateway.test_hl7_alarm_report import no_results_in, refused_beside_a_result

EVENT = (
    b"MSH|^~\\&|PUMP_GW^0123456789ABCDEF^EUI-64|WARD|LIS|CLINIC|20260105083000||ORU^R42^ORU_R01|IPEC-1|P|2.6"
    b"|||AL|NE\r"
    b"PID|1||SIM-P9^^^^MR||SYNTHETIC^PATIENT\r"
    b"OBR|1|IPEC-1^PUMP|IPEC-1^PUMP|196610^MDC_EVT_PUMP_DELIV_START^MDC|||20260105083000\r"
    b"OBX|1|CWE|196610^MDC_EVT_PUMP_DELIV_START^MDC|1.1.1.1|196610^MDC_EVT_PUMP_DELIV_START^MDC||||||F\r"
    b"OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|125|265266^mL/h^MDC|||||F|||20260105083000\r"
    b"OBX|3|NM|157872^MDC_VOL_FLUID_DELIV^MDC|1.1.1.3|0|263762^mL^MDC|||||F|||20260105083000\r"
)
SAID = "ORU^R42 is an infusion event (IHE PCD-10), not results: events are not read"


def test_an_infusion_event_report_is_rejected_naming_it_and_stores_no_result(tmp_path: Path) -> None:
    status = refused_beside_a_result(tmp_path, EVENT, "IPEC-1", SAID)
    assert dict(status.unhandled) == {"ORU^R42 message": 1}


@pytest.mark.parametrize("msh9", ["ORU^R42", "oru^r42^ORU_R01", " ORU ^ R42 "])
def test_the_codec_names_an_infusion_event_report_however_it_is_written(msh9: str) -> None:
    assert no_results_in(EVENT.replace(b"ORU^R42^ORU_R01", msh9.encode()))
