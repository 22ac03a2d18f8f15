"""A result the gateway held for a wrong device clock (``devices.device_clock``: flags
device_time_ahead / device_time_old, stored as preliminary) is listed in the held worklist with
that reason - the device time, the receipt time and what to do - in the API and on the devices
page in both languages; it said only "result status is not final"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from devices.capture import read_capture
from devices.decode import decode_message
from devices.link_drivers import to_inbox_result
from devices.profile import load_profile
from devices.tolerance import ToleranceCounter
from referral.inbox import NewDeviceMessage, mark_delivered, record_message
from tests.devices.traces.golden_io import DATA
from tests.service.conftest import Staff
from triage.service.auth import Role

SYSMEX = "sysmex-xn550"


def _store_the_capture_received_now(staff: Staff) -> tuple[list[int], str]:
    """The Sysmex XN-550 capture (recorded in 2024) through the gateway's decoder and storage as
    if it arrived now: its results are timed years before their receipt. Returns the stored ids
    of its mapped results and the receipt time."""
    profile = load_profile(SYSMEX)
    (message,) = read_capture(profile, (DATA / "sysmex-xn550.astm").read_bytes(), ToleranceCounter())
    received = datetime.now(UTC)
    results, _ = decode_message(profile, message.raw, received_at=received)
    at = received.isoformat(timespec="microseconds")
    db = staff.app.state.runtime.databases.get()
    stored = record_message(
        db,
        NewDeviceMessage(device_id=SYSMEX, session_id="s1", protocol="astm", raw=message.raw, received_at=at),
        [to_inbox_result(r, at) for r in results],
    ).new_results
    mark_delivered(db, [r.id for r in stored])
    return [r.id for r in stored if r.code is not None], at


def test_a_result_held_for_the_device_clock_says_so_with_both_times(staff: Staff) -> None:
    ids, received = _store_the_capture_received_now(staff)
    assert len(ids) == 4  # WBC, HGB, HCT, PLT; the 37 ignored codes are never listed
    response = staff.client.get("/api/v1/devices/held", headers=staff.bearer(Role.nurse))
    assert response.status_code == 200, response.text
    rows = {r["id"]: r for r in response.json()["data"] if r["device_id"] == SYSMEX}
    assert set(rows) == set(ids)
    hgb = next(r for r in rows.values() if r["code"] == "hemoglobin")
    assert hgb["why"] == ["device_clock"] and hgb["assignable"] is False
    (text,) = hgb["why_text"]
    assert text.startswith(
        f"device clock wrong: device time 2024-06-27T13:54:07+08:00, received {received}: set the"
        " device's clock"
    ), text
    assert "not final" not in text and "a resend keeps this result's wrong time" in text

    refused = staff.client.post(
        f"/api/v1/devices/results/{hgb['id']}/assign",
        json={"encounter_id": 1, "reason": "hers"},
        headers=staff.bearer(Role.nurse),
    )
    assert refused.status_code == 422, refused.text
    assert "held for a wrong device clock (device time 2024-06-27T13:54:07+08:00" in refused.json()["error"]
    assert "wait for the final result" not in refused.json()["error"]

    staff.login(Role.nurse)
    section = staff.client.get("/devices").text.split('id="held"')[1]
    row = section.split(f'data-result="{hgb["id"]}"')[1].split("</tr>")[0]
    why = row.split('class="why"')[1].split("</td>")[0]
    assert "Device clock wrong" in why and "Not final" not in why, why
    # both times in the clinic's local time (the test service's zone), the receipt today
    assert re.search(r"the device timed it 2024-06-2\d \d\d:54:07, received \d\d:\d\d:\d\d: ", row), row
    assert "set the device&#39;s clock (and time zone)" in row
    assert "assign-form" not in row and "dismiss-form" in row and "timed by a wrong device clock" in row
    switched = staff.client.post(
        "/language", data={"csrf_token": staff.login(Role.nurse), "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    chinese = staff.client.get("/devices").text.split('id="held"')[1]
    zh_row = chinese.split(f'data-result="{hgb["id"]}"')[1].split("</tr>")[0]
    assert "设备时钟错误" in zh_row and re.search(
        r"设备记录的时间为 2024-06-2\d \d\d:54:07，接收时间为 ", zh_row
    )
    zh_why = zh_row.split('class="why"')[1].split("</td>")[0]
    assert "请校正设备时钟" in zh_why and "非最终结果" not in zh_why
