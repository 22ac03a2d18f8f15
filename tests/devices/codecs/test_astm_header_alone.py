"""An H record that ends with its delimiter field (no field after it: ``H|\\^&`` and CR) is read
from all of that field, as one followed by more fields is. The field was cut at its third
character: a Yumizen-style doubled backslash (``H|\\\\^&``) alone was refused even with
``doubled_backslash_header`` on, as '"\\\\^" must be 3 distinct characters' - a delimiter set the
device never sent - and 4 characters (``H|\\^&#``) were taken as ``\\^&`` with the fourth ignored,
where the same header with a field after it is refused. Found by the mutation pass of
devices/codecs/astm_records.py (line 57, ``header[2:5]`` to ``header[2:6]`` lived)."""

from __future__ import annotations

import pytest

from devices.codecs.astm_records import Delimiters, decode_message, delimiters_from_header
from devices.errors import CodecError
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import strict_profile

DOUBLED = "H|\\\\^&"  # H | \ \ ^ &: the repeat delimiter written twice


@pytest.mark.parametrize("rest", ["", "|||Yumizen"])
def test_a_doubled_backslash_header_is_read_with_its_switch_with_or_without_fields_after_it(
    rest: str,
) -> None:
    counter = ToleranceCounter()
    profile = strict_profile(tolerance={"doubled_backslash_header": True})
    assert delimiters_from_header(DOUBLED + rest, profile, counter) == Delimiters("|", "\\", "^", "&")
    assert counter.count("test-analyzer", "doubled_backslash_header") == 1


@pytest.mark.parametrize("rest", ["", "|||Yumizen"])
def test_a_doubled_backslash_header_without_its_switch_names_the_switch(rest: str) -> None:
    with pytest.raises(CodecError) as refused:
        delimiters_from_header(DOUBLED + rest)
    assert str(refused.value) == (
        'header delimiter field "\\\\\\\\^&" has 4 characters (doubled "\\\\"); profile switch'
        ' doubled_backslash_header reads it as "\\\\^&"'
    )


@pytest.mark.parametrize("rest", ["", "|||x"])
def test_a_delimiter_field_of_four_characters_is_refused_with_or_without_fields_after_it(rest: str) -> None:
    with pytest.raises(CodecError) as refused:
        delimiters_from_header("H|\\^&#" + rest)
    assert str(refused.value) == (
        'header delimiter field "\\\\^&#" must be 3 distinct characters (repeat, component, escape)'
    )


def test_a_message_whose_header_is_its_doubled_delimiters_alone_gives_its_result() -> None:
    raw = DOUBLED.encode() + b"\rP|1\rO|1|S1\rR|1|^^^GLU|5.6|mmol/L\rL|1|N\r"
    results, problems = decode_message(strict_profile(tolerance={"doubled_backslash_header": True}), raw)
    assert [p.reason for p in problems] == ["unmapped_code"]  # the test profile maps no code
    assert [(r.vendor_code, r.raw_value) for r in results] == [("GLU", "5.6")]


def test_the_usual_header_alone_is_still_read() -> None:
    assert delimiters_from_header("H|\\^&") == Delimiters()
    assert delimiters_from_header("H|@^\\") == Delimiters("|", "@", "^", "\\")
