"""A patient's result never takes the previous patient's order time.

What was wrong: at a new PID the decoder forgot the last patient's sample (OBR-3, SPM-2) but kept
its OBR-7 (observation date/time), so an OBX of the second patient without an OBX-14 of its own,
sent before that patient's OBR or with no OBR at all, was dated the FIRST patient's OBR-7: the
wrong time on a result - and in its exactly-once key (device, sample, test, result time), so two
such messages a day apart could be taken for resends. It now falls back to the message's MSH-7,
as an OBX of a message without any OBR does; an OBX after the patient's own OBR still takes its
OBR-7, and an OBX-14 always wins."""

from __future__ import annotations

from datetime import datetime

import pytest

from devices.codecs import hl7
from devices.results import DeviceResult
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")
MSH = "MSH|^~\\&|MONITOR|WARD|||20261206120000||ORU^R01|M1|P|2.5.1"
FIRST = ["PID|1||P1", "OBR|1|S1|S1|VITALS|||20261206080000", "OBX|1|NM|SPO2||97|%|||||F"]


def _results(*segments: str) -> dict[str | None, list[DeviceResult]]:
    raw = "".join(s + "\r" for s in (MSH, *segments)).encode()
    results, problems = hl7.decode_message(PROFILE, raw)
    assert {q.reason for q in problems} <= {"unmapped_code"}  # the strict profile maps no code
    by_patient: dict[str | None, list[DeviceResult]] = {}
    for result in results:
        by_patient.setdefault(result.patient_id, []).append(result)
    return by_patient


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=PROFILE.zone)


@pytest.mark.parametrize(
    "second",
    [
        ["PID|2||P2", "OBX|1|NM|SPO2||88|%|||||F"],  # no OBR of its own
        ["PID|2||P2", "OBX|1|NM|SPO2||88|%|||||F", "OBR|1|S2|S2|VITALS|||20261206110000"],  # OBR after it
    ],
    ids=["no-obr", "obx-before-its-obr"],
)
def test_the_second_patients_result_is_not_dated_by_the_first_patients_order(second: list[str]) -> None:
    by_patient = _results(*FIRST, *second)
    (first,), (other,) = by_patient["P1"], by_patient["P2"]
    assert first.observed_at == _time("20261206080000")  # the first patient's own OBR-7
    assert other.observed_at == _time("20261206120000")  # MSH-7: P2 has no order time before it
    assert other.sample_id is None and "20261206080000" not in other.idempotency_key
    assert other.idempotency_key.endswith(_time("20261206120000").isoformat())


def test_the_second_patients_own_order_and_obx14_still_date_its_results() -> None:
    by_patient = _results(
        *FIRST,
        "PID|2||P2",
        "OBR|1|S2|S2|VITALS|||20261206110000",
        "OBX|1|NM|SPO2||88|%|||||F",
        "OBX|2|NM|HR||120|/min|||||F|||20261206111500",
    )
    spo2, heart_rate = by_patient["P2"]
    assert (spo2.sample_id, spo2.observed_at) == ("S2", _time("20261206110000"))
    assert heart_rate.observed_at == _time("20261206111500")
