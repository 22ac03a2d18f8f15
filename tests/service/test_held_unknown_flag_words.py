"""A held result a device flagged with an ASTM R.7 abnormal flag E1394 does not define (``*``, a
vendor's "result suspect") says so on the devices page and in the API, in English and in Chinese:
which flag, and the flags E1394 defines. The gateway held it (stored preliminary) and ``triage
devices replay`` and ``listen`` said why (f32b7996), but the page said "Not final" / 非最终结果 and
the API "result status is not final": a nurse checking the device found the result final there
and the hold unexplained.

Real service, real SQLite file, the XN-550 profile and the ASTM codec on the real capture with its
HGB record's R.7 changed, the real inbox (SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

from typing import Any

from tests.devices.test_flag_with_comma import stored_with_hgb_flags
from tests.service.conftest import Staff
from tests.service.test_held_device_status_words import _pages
from tests.service.test_held_unit_sentence import _why
from triage.service.auth import Role


def _store(staff: Staff, flags: bytes) -> int:
    """:func:`stored_with_hgb_flags` in the service's referral log; the HGB result's id."""
    return stored_with_hgb_flags(staff.app.state.runtime.databases.get(), flags)[1].id


def held_in_api(staff: Staff, result_id: int) -> dict[str, Any]:
    """The held result ``result_id`` as GET /api/v1/devices/held lists it to a nurse."""
    answer = staff.client.get(
        "/api/v1/devices/held", headers={"Authorization": f"Bearer {staff.tokens[Role.nurse]}"}
    )
    assert answer.status_code == 200, answer.text
    (held,) = [h for h in answer.json()["data"] if h["id"] == result_id]
    return held  # type: ignore[no-any-return]


def test_the_devices_page_names_the_unknown_flag(staff: Staff) -> None:
    result_id = _store(staff, b"H\\*")
    en_page, zh_page = _pages(staff)
    english, chinese = _why(en_page, result_id), _why(zh_page, result_id)
    assert "Not final: the device flagged the result" in english and "in ASTM R.7" in english, english
    assert "*" in english and "L, H, LL, HH, <, >, N, A, U, D, B, W" in english, english
    assert "非最终结果：设备在 ASTM R.7（结果异常标志）中给该结果标记了" in chinese, chinese
    assert "*" in chinese, chinese


def test_the_api_names_the_unknown_flag(staff: Staff) -> None:
    held = held_in_api(staff, _store(staff, b"*"))
    assert held["why"][0] == "not_final", held
    assert held["why_text"][0].startswith(
        'not final: the device flagged the result "*" in ASTM R.7 (result abnormal flags)'
    ), held["why_text"]
