"""Result messages that are not ORU^R01: the point-of-care ORU^R30/R31/R32, a message with no
trigger event and the specimen-oriented OUL^R22 are results (no AR), and each OBX keeps the
sample it belongs to.

What was wrong: the codec read every result message as ORU^R01 (PID, OBR, OBX), so the sample of
an OBX was the last OBR's OBR-3. In an OUL^R22 a specimen (SPM) comes before its orders, with
observations of its own right after it: the second specimen's OBX took the first specimen's order
number as their sample id (another sample's identity in the exactly-once key), and an order
without OBR-2/OBR-3 gave its results none, its SPM-2 specimen ID unread."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from devices.codecs import hl7
from devices.results import DeviceResult
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")
ZONE = ZoneInfo("Asia/Shanghai")


def _results(msh9: str, *segments: str) -> list[DeviceResult]:
    msh = f"MSH|^~\\&|LAB|X|||20261206101500||{msh9}|M1|P|2.5.1"
    raw = "".join(s + "\r" for s in (msh, *segments)).encode()
    results, problems = hl7.decode_message(PROFILE, raw)
    assert {q.reason for q in problems} <= {"unmapped_code"}  # the strict profile maps no code
    return results


@pytest.mark.parametrize("msh9", ["ORU^R30^ORU_R30", "ORU^R31^ORU_R31", "ORU^R32^ORU_R32", "ORU", "ORU^"])
def test_point_of_care_observations_and_a_message_without_trigger_are_results(msh9: str) -> None:
    raw = f"MSH|^~\\&|LAB|X|||20261206101500||{msh9}|M1|P|2.5.1\r".encode()
    assert hl7.unsupported_type(hl7.parse_message(raw, PROFILE)) is None
    (result,) = _results(
        msh9, "PID|1||P1", "ORC|NW|PL-1|FI-1", "OBR|1|PL-1|FI-1|GLU", "OBX|1|NM|GLU||5.6|mmol/L|||||F"
    )
    assert (result.patient_id, result.sample_id, result.vendor_code) == ("P1", "FI-1", "GLU")


def test_each_specimen_of_an_oul_r22_gives_its_own_observations_its_id_and_collection_time() -> None:
    results = _results(
        "OUL^R22^OUL_R22",
        "PID|1||P1",
        "SPM|1|SPEC-1&LAB^FILL-1||SER|||||||||||||20261206090000",
        "OBR|1||ORD-1",
        "OBX|1|NM|GLU||5.6|mmol/L|||||F",
        "SPM|2|^FILL-2||SER",  # a placer ID left empty: the filler's
        "OBX|1|NM|HIL||12|mg/dL|||||F",  # an observation of the specimen itself, before its order
        "OBR|2",  # an order with no number of its own: the specimen's
        "OBX|1|NM|K||4.1|mmol/L|||||F",
        "PID|2||P2",
        "OBR|1",
        "OBX|1|NM|NA||140|mmol/L|||||F",  # another patient: no specimen of the one before
    )
    assert [(r.vendor_code, r.patient_id, r.sample_id) for r in results] == [
        ("GLU", "P1", "ORD-1"),
        ("HIL", "P1", "FILL-2"),  # it was ORD-1: the first specimen's order
        ("K", "P1", "FILL-2"),  # it was None
        ("NA", "P2", None),
    ]
    # SPM-17 dates the specimen's own observation; one without it has the message's time
    message_time = datetime(2026, 12, 6, 10, 15, tzinfo=ZONE)
    assert results[1].observed_at == message_time


def test_a_specimen_collected_at_a_time_dates_its_observations() -> None:
    (result,) = _results(
        "OUL^R22^OUL_R22",
        "PID|1||P1",
        "SPM|1|SPEC-9||SER|||||||||||||20261206090000",
        "OBX|1|NM|HIL||12|mg/dL|||||F",
    )
    assert (result.sample_id, result.observed_at) == ("SPEC-9", datetime(2026, 12, 6, 9, 0, tzinfo=ZONE))


def test_an_oru_r01s_specimen_after_its_order_gives_the_next_order_nothing() -> None:
    """In ORU^R01 (v2.5.1) a SPM follows the OBR it belongs to: the next OBR keeps its own number."""
    results = _results(
        "ORU^R01^ORU_R01",
        "PID|1||P1",
        "OBR|1||S-1",
        "OBX|1|NM|GLU||5.6|mmol/L|||||F",
        "SPM|1|SPEC-1||SER",
        "OBX|1|NM|HIL||12|mg/dL|||||F",
        "OBR|2||S-2",
        "OBX|1|NM|K||4.1|mmol/L|||||F",
    )
    assert [(r.vendor_code, r.sample_id) for r in results] == [
        ("GLU", "S-1"),
        ("HIL", "SPEC-1"),
        ("K", "S-2"),
    ]


@pytest.mark.parametrize(
    ("spm2", "expected"), [("A\\T\\B^F", "A&B"), ("^", None), ("", None), (" S7 ~S8", "S7")]
)
def test_the_specimen_id_is_spm2s_first_entity_id_unescaped(spm2: str, expected: str | None) -> None:
    raw = f"MSH|^~\\&|LAB|X|||20261206101500||OUL^R22|M1|P|2.5.1\rSPM|1|{spm2}\r".encode()
    assert hl7.specimen_id(hl7.parse_message(raw, PROFILE).all("SPM")[0]) == expected
