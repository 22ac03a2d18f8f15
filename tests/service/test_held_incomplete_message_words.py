"""A held result of an ASTM message that did not end complete says why on the devices page and in
the API, in English and in Chinese: its L record's termination code (T the sender aborted, R the
receiver requested an abort, E an unknown system error) or the L record missing. The page said
"Not final" / 非最终结果 and the API "result status is not final", where the gateway's hold and
``triage devices replay`` already named the code; a nurse checking the device found the result
final there and the hold unexplained.

Real service, real SQLite file, the cobas c311 profile and the ASTM codec, the real inbox
(SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.decode import decode_message
from devices.profile import load_profile
from devices.results import to_inbox_result
from referral.inbox import NewDeviceMessage, mark_delivered, record_message
from tests.devices.test_held_unit_reason import store_pentra
from tests.devices.test_hold_incomplete import _capture
from tests.service.conftest import Staff
from tests.service.test_held_device_status_words import _pages
from tests.service.test_held_unit_sentence import _why
from triage.service.auth import Role

CASES = [
    (
        "L|1|T",
        "Not final: the sender aborted the message (ASTM L record termination code T)",
        "非最终结果：发送方中止了该消息（ASTM L 记录终止码 T）",
        "not final: its message did not end complete: the sender aborted the message (L record termination code T)",
    ),
    (
        "L|1|R",
        "Not final: the receiver requested that the message be aborted (ASTM L record termination code R)",
        "非最终结果：接收方要求中止该消息（ASTM L 记录终止码 R）",
        "not final: its message did not end complete: the receiver requested that the message be aborted"
        " (L record termination code R)",
    ),
    (
        "L|1|E",
        "Not final: an unknown system error ended the message (ASTM L record termination code E)",
        "非最终结果：未知系统错误使该消息中止（ASTM L 记录终止码 E）",
        "not final: its message did not end complete: an unknown system error ended the message"
        " (L record termination code E)",
    ),
    (
        "",
        "Not final: the message ended without its L record (terminator)",
        "非最终结果：该消息没有 L 记录（终止记录）就结束了",
        "not final: its message did not end complete: the message ended without its L record (terminator)",
    ),
]


def _store(staff: Staff, last: str) -> int:
    """The c311 message ending with ``last`` (its one result sent F) stored as the gateway does;
    the result's id."""
    profile = load_profile("roche-cobas_c311")
    raw = _capture(last)
    (result,), _ = decode_message(profile, raw)
    received = datetime.now(UTC).isoformat(timespec="microseconds")
    db = staff.app.state.runtime.databases.get()
    (stored,) = record_message(
        db,
        NewDeviceMessage(
            device_id=profile.device_id, session_id="s1", protocol="astm", raw=raw, received_at=received
        ),
        [to_inbox_result(result, received)],
    ).new_results
    mark_delivered(db, [stored.id])
    return stored.id


@pytest.mark.parametrize(("last", "english", "chinese", "api"), CASES)
def test_the_devices_page_says_why_the_message_was_incomplete(
    staff: Staff, last: str, english: str, chinese: str, api: str
) -> None:
    result_id = _store(staff, last)
    en_page, zh_page = _pages(staff)
    assert english in _why(en_page, result_id), _why(en_page, result_id)
    assert "check the result on the device; sent again in a complete message, it replaces this one" in _why(
        en_page, result_id
    )
    assert chinese in _why(zh_page, result_id), _why(zh_page, result_id)
    assert "设备以完整消息再次发送时将替换此结果" in _why(zh_page, result_id)


@pytest.mark.parametrize(("last", "english", "chinese", "api"), CASES)
def test_the_api_says_why_the_message_was_incomplete(
    staff: Staff, last: str, english: str, chinese: str, api: str
) -> None:
    result_id = _store(staff, last)
    answer = staff.client.get(
        "/api/v1/devices/held", headers={"Authorization": f"Bearer {staff.tokens[Role.nurse]}"}
    )
    assert answer.status_code == 200, answer.text
    (held,) = [h for h in answer.json()["data"] if h["id"] == result_id]
    assert held["why"][0] == "not_final", held
    assert held["why_text"][0].startswith(api), held["why_text"]
    assert held["why_text"][0].endswith("sent again in a complete message, it replaces this one"), held


def test_the_api_says_a_result_the_device_marked_questionable_so(staff: Staff) -> None:
    """The page said "Validity questionable" for an ASTM W (the real Pentra XLR capture) since
    an earlier session; the API's why_text still said "result status is not final"."""
    db = staff.app.state.runtime.databases.get()
    stored = store_pentra(db, datetime.now(UTC).isoformat(timespec="microseconds"))
    mark_delivered(db, [r.id for r in stored])
    wbc = next(r for r in stored if r.vendor_code == "WBC")
    answer = staff.client.get(
        "/api/v1/devices/held", headers={"Authorization": f"Bearer {staff.tokens[Role.nurse]}"}
    )
    (held,) = [h for h in answer.json()["data"] if h["id"] == wbc.id]
    assert held["why_text"][0].startswith(
        "validity questionable: the device marked the result so (ASTM status W)"
    ), held["why_text"]
