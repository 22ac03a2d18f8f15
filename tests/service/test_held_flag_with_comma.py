"""A held result whose device flag holds a comma (a vendor writing ``H,A`` in ASTM R.7, where E1394
repeats ``H\\A``: one flag E1394 does not define, kept whole) is named whole on the devices page and
in GET /api/v1/devices/held. The stored flags were split at every comma, so the API's why_text said
'the device flagged the result "H" ... none of the flags E1394 defines (L, H, ...)' and the page
named "H": a defined flag named as undefined, not the one the device sent.

Real service, real SQLite file, the XN-550 profile and the ASTM codec on the real capture with its
HGB record's R.7 changed, the real inbox (SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_held_device_status_words import _pages
from tests.service.test_held_unit_sentence import _why
from tests.service.test_held_unknown_flag_words import _store, held_in_api


def test_the_api_and_the_page_name_the_flag_whole(staff: Staff) -> None:
    result_id = _store(staff, b"H,A")
    held = held_in_api(staff, result_id)
    assert held["why_text"][0].startswith(
        'not final: the device flagged the result "H,A" in ASTM R.7 (result abnormal flags)'
    ), held["why_text"]
    en_page, zh_page = _pages(staff)
    english, chinese = _why(en_page, result_id), _why(zh_page, result_id)
    assert "H,A" in english and "H,A" in chinese, (english, chinese)
