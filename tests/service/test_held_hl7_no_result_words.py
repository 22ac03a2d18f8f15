"""The staff held page says what a device's HL7 status means, in English and in Chinese, for a
value sent with an OBX-11 that carries no result (HL7 v2.5 table 0085: I results pending, N not
asked, O order detail only) - it said "Not final" / 非最终结果, as of a preliminary result.

Real service, real SQLite file, the HL7 codec and the inbox
(SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.codecs.hl7 import decode_message
from devices.profile import DeviceProfile, profile_from_dict
from devices.results import to_inbox_result
from referral import review
from referral.inbox import NewDeviceMessage, record_message
from tests.service.conftest import Staff
from tests.service.test_held_device_status_words import _pages
from tests.service.test_held_unit_sentence import _why

NOW = datetime.now(UTC)
MONITOR = profile_from_dict(
    {
        "device_id": "monitor",
        "protocol": "hl7",
        "timezone": "UTC",
        "mapping": {"SPO2": {"code": "spo2", "unit": "%", "device_units": ["%"]}},
    }
)


def store_hl7(staff: Staff, obx: str, control: str = "C1", profile: DeviceProfile = MONITOR) -> int:
    """One ORU with ``obx`` for the SYNTHETIC patient SIM-P1, decoded with ``profile`` and stored as
    the gateway does; the id of its one result."""
    stamp = NOW.strftime("%Y%m%d%H%M%S+0000")
    raw = (
        f"MSH|^~\\&|MONITOR|WARD|||{stamp}||ORU^R01|{control}|P|2.5\rPID|1||SIM-P1\rOBR|1|SIM-S1\r{obx}\r"
    ).encode()
    results, _ = decode_message(profile, raw)
    received = NOW.isoformat(timespec="microseconds")
    db = staff.app.state.runtime.databases.get()
    (stored,) = record_message(
        db,
        NewDeviceMessage(
            device_id=profile.device_id, session_id="s1", protocol="hl7", raw=raw, received_at=received
        ),
        [to_inbox_result(r, received) for r in results],
    ).new_results
    return stored.id


@pytest.mark.parametrize(
    ("code", "english", "chinese"),
    [
        ("I", "Results pending: the device sent a value with HL7 status I", "结果待出：设备以 HL7 状态 I"),
        ("N", "Not asked: the device sent a value with HL7 status N", "未要求检测：设备以 HL7 状态 N"),
        (
            "O",
            "Order detail only: the device sent a value with HL7 status O",
            "仅为医嘱信息：设备以 HL7 状态 O",
        ),
    ],
)
def test_a_value_sent_with_a_status_that_carries_no_result_is_said_so_not_not_final(
    staff: Staff, code: str, english: str, chinese: str
) -> None:
    result_id = store_hl7(staff, f"OBX|1|NM|SPO2||88|%|||||{code}")
    en_page, zh_page = _pages(staff)
    assert english in _why(en_page, result_id) and "Not final" not in _why(en_page, result_id)
    assert chinese in _why(zh_page, result_id) and "非最终结果" not in _why(zh_page, result_id)


def test_a_status_change_to_final_naming_another_unit_is_said_so_not_not_final(staff: Staff) -> None:
    result_id = store_hl7(staff, f"OBX|1|NM|SPO2||88|%|||||P|||{NOW:%Y%m%d%H%M%S+0000}")
    again = store_hl7(staff, f"OBX|1|NM|SPO2|||mg/dL|||||U|||{NOW:%Y%m%d%H%M%S+0000}", "C2")
    assert again == result_id, "the U updates the stored row"
    en_page, zh_page = _pages(staff)
    assert "Final status in another unit: the device made the result final (HL7 status U)" in _why(
        en_page, result_id
    )
    assert "最终状态的单位不符：设备将结果改为最终（HL7 状态 U）" in _why(zh_page, result_id)


@pytest.mark.parametrize(
    ("obxs", "says"),
    [
        (["OBX|1|NM|SPO2||88|%|||||I"], "not a result yet: the device sent a value with HL7 status I"),
        (["OBX|1|NM|SPO2||88|%|||||N"], "no result: the device sent a value with HL7 status N"),
        (["OBX|1|NM|SPO2||88|%|||||O"], "no result: the device sent a value with HL7 status O"),
        (
            ["OBX|1|NM|SPO2||88|%|||||P|||20260105080000", "OBX|1|NM|SPO2|||mg/dL|||||U|||20260105080000"],
            "not confirmed: the device made the result final (HL7 status U) naming another unit",
        ),
    ],
)
def test_the_api_says_so_too(staff: Staff, obxs: list[str], says: str) -> None:
    """GET /api/v1/devices/held's why_text (referral.review) said 'result status is not final'."""
    ids = {store_hl7(staff, obx, f"C{n}") for n, obx in enumerate(obxs)}
    db = staff.app.state.runtime.databases.get()
    (held,) = [h.as_dict() for h in review.held_results(db) if h.result.id in ids]
    assert held["why_text"][0].startswith(says), held["why_text"]
