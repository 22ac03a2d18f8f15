"""A held result whose device flag holds a comma (a vendor writing ``H,A`` in ASTM R.7, where E1394
repeats ``H\\A``: one flag E1394 does not define, kept whole) is named whole on the devices page and
in GET /api/v1/devices/held. The stored flags were split at every comma, so the API's why_text said
'the device flagged the result "H" ... none of the flags E1394 defines (L, H, ...)' and the page
named "H": a defined flag named as undefined, not the one the device sent. The page then showed
the flags bare, joined with ", ": ``H,A`` and ``*`` read as three flags; each is quoted now.

Real service, real SQLite file, the XN-550 profile and the ASTM codec on the real capture with its
HGB record's R.7 changed, the real inbox (SYNTHETIC patient and sample ids).
"""

from __future__ import annotations

import re

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
    assert "the result “H,A” in ASTM R.7" in _words(english), english  # one flag, quoted whole
    assert "标记了 “H,A”，不是" in _words(chinese), chinese


def test_the_page_quotes_each_flag_so_that_one_holding_a_comma_reads_as_one(staff: Staff) -> None:
    """The page joined the flags with ", " and showed them bare: the device's one flag ``H,A``
    and its ``*`` read "H,A, *" - three flags H, A and * to a nurse. Each is quoted now, as the
    API's why_text quotes it, and listed with the page language's separator."""
    result_id = _store(staff, b"H,A\\*")
    held = held_in_api(staff, result_id)
    assert 'the device flagged the result "H,A", "*" in ASTM R.7' in held["why_text"][0], held
    en_page, zh_page = _pages(staff)
    english, chinese = _why(en_page, result_id), _why(zh_page, result_id)
    for row in (english, chinese):  # each flag whole in a span of its own
        assert '<span class="ident">H,A</span>' in row and '<span class="ident">*</span>' in row, row
    english, chinese = _words(english), _words(chinese)
    assert "Not final: the device flagged the result “H,A”, “*” in ASTM R.7" in english, english
    assert "设备在 ASTM R.7（结果异常标志）中给该结果标记了 “H,A”、“*”，不是" in chinese, chinese


def _words(row: str) -> str:
    """The text of a held row's why, as a reader sees it (its tags left out)."""
    return re.sub(r"<[^>]+>", "", row)
