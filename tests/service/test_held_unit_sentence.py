"""The held worklist's row for a result whose unit its profile does not take (the real Pentra XLR
capture: unit "1" for WBC) showed only the label "Unit not one the device profile takes for this
test"; the unit received, the units expected and the profile line to set were in the API's
why_text only. The devices page says the whole sentence, in English and in Chinese; a value its
scale cannot apply to the same."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from referral.inbox import NewDeviceMessage, NewDeviceResult, mark_delivered, record_message
from tests.devices.test_held_unit_reason import store_pentra
from tests.service.conftest import Staff
from triage.service.auth import Role

#: now: the worklist lists what arrived in the last 30 days
RECEIVED = datetime.now(UTC).isoformat(timespec="microseconds")


def _why(page: str, result_id: int) -> str:
    row = page.split('id="held"')[1].split(f'data-result="{result_id}"')[1].split("</tr>")[0]
    return html.unescape(row.split('class="why"')[1].split("</td>")[0])


def test_the_page_says_the_unit_received_the_units_expected_and_the_line_to_set(staff: Staff) -> None:
    db = staff.app.state.runtime.databases.get()
    stored = store_pentra(db, RECEIVED)
    scale = NewDeviceResult(  # a mapped HbA1c with a scale whose value is no number
        device_id="a1c-meter",
        sample_id="S9",
        vendor_code="A1C",
        result_time="2026-05-01T09:00:00+08:00",
        status="final",
        is_qc=False,
        patient_id="MRN-7",
        value="see comment",
        details={"problem": "unscalable_value", "scale": 100.0},
    )
    (a1c,) = record_message(
        db,
        NewDeviceMessage(
            device_id="a1c-meter", session_id="s2", protocol="astm", raw=b"H|\\^&", received_at=RECEIVED
        ),
        [scale],
    ).new_results
    mark_delivered(db, [r.id for r in stored] + [a1c.id])
    wbc = next(r for r in stored if r.vendor_code == "WBC")

    staff.login(Role.nurse)
    page = staff.client.get("/devices").text
    why = _why(page, wbc.id)
    assert "Unit not one the device profile takes for this test" in why
    assert (
        "the device sent unit “1” for test WBC; its profile takes 10*3/uL, 10E3/uL: once the site confirms"
        ' that “1” is 10*9/L on this device, set [mapping."WBC"] device_units = ["10*3/uL", "10E3/uL", "1"] in the device\'s profile'
    ) in why, why
    assert (
        "value “see comment” of test A1C is not a number the profile's scale 100 applies to: check the"
        " device's result" in _why(page, a1c.id)
    )

    switched = staff.client.post(
        "/language", data={"csrf_token": staff.login(Role.nurse), "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    chinese = staff.client.get("/devices").text
    assert (
        "设备为项目 WBC 发送的单位是“1”，设备配置只接受 10*3/uL, 10E3/uL：现场确认“1”在此设备上就是 10*9/L 后，在设备配置中设置"
        ' [mapping."WBC"] device_units = ["10*3/uL", "10E3/uL", "1"]'
    ) in _why(chinese, wbc.id)
    assert "项目 A1C 的数值“see comment”不是设备配置换算系数 100 可用的数字" in _why(chinese, a1c.id)
