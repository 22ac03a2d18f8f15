"""LIS2-A2 records at the edges no test held (mutation testing of devices/codecs/astm_records.py,
not run before: each case fails against a mutant that test_astm_records.py and test_astm_link.py
let live). A first record that is no H record, a delimiter field of 4 characters not doubled or of 3
not distinct; the place of a byte the encoding refuses (the record's sequence number only when it is
one; none for the record type itself; the header's fields); an unknown record type named; the
caller's tolerance counter kept through parse_message; an LF placed from the message's offset; a
record stream cut into messages from its first byte on; a QC message (H.12 Q) and a result before
any O record; the header's time (H.14) for a result without one; an H record encoded."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from devices.codecs.astm_records import (
    decode_message,
    delimiters_from_header,
    encode_record,
    parse_message,
    split_messages,
    split_record_bytes,
)
from devices.errors import CodecError
from devices.results import QUESTIONABLE
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import strict_profile


def test_a_message_whose_first_record_is_no_header_is_refused_as_such() -> None:
    # long enough and with a field delimiter: only the record type tells (astm_records.py:48, 'or')
    with pytest.raises(CodecError, match=r'^message does not start with an H record: "P\|\\\\\^&\|\|\|x"$'):
        delimiters_from_header("P|\\^&|||x")


@pytest.mark.parametrize(
    ("header", "spec"),
    [
        ("H|\\^&#|||x", "\\\\^&#"),  # 4 characters, the first not doubled (line 53, 'and')
        ("H|\\^^|||x", "\\\\^^"),  # 3 characters, two the same (line 62, 'or')
        ("H|\\^||||x", "\\\\^"),  # 2 characters
    ],
)
def test_a_delimiter_field_that_is_not_three_distinct_characters_is_refused(header: str, spec: str) -> None:
    with pytest.raises(CodecError) as info:
        delimiters_from_header(header, strict_profile(tolerance={"doubled_backslash_header": True}))
    assert str(info.value) == (
        f'header delimiter field "{spec}" must be 3 distinct characters (repeat, component, escape)'
    )


@pytest.mark.parametrize(
    ("record", "at", "place"),
    [
        (b"R|1|^^^X|5\xff|u", 27, "R.4 of R record 1"),
        (b"R|x|^^^X|5\xff|u", 27, "R.4 of R record"),  # a sequence that is no number is not named
        (b"R\xff", 18, None),  # in field 1, the record type: "R\xff" is no R record
        (b"R\xff|1", 18, None),  # likewise with a sequence after it
        (b"R|\xff", 19, "R.2 of R record"),  # in the sequence: an R record, the sequence unreadable
        (b"\xff|1", 17, None),  # the record type itself: no place
    ],
)
def test_a_byte_the_encoding_refuses_is_placed_in_its_record_and_field(
    record: bytes, at: int, place: str | None
) -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\r" + record + b"\rL|1|N\r"
    results, problems = decode_message(strict_profile(encoding="utf-8"), raw)
    assert results == [] and [p.reason for p in problems] == ["undecodable_bytes"]
    where = f" ({place})" if place else ""
    assert (
        problems[0].detail == f"byte {at}{where}: byte 0xFF is not valid utf-8 (set the profile's encoding)"
    )


def test_a_byte_the_encoding_refuses_in_the_header_is_placed_there() -> None:
    _, (problem,) = decode_message(strict_profile(encoding="utf-8"), b"H|\\^&|||Zo\xeb\rL|1|N\r")
    assert (
        problem.detail
        == "byte 10 (H.5 of H record): byte 0xEB is not valid utf-8 (set the profile's encoding)"
    )


def test_an_unknown_record_type_is_named() -> None:
    _, problems = decode_message(strict_profile(), b"H|\\^&\rP|1\rX|1\rL|1|N\r")
    assert [(p.reason, p.byte_offset) for p in problems] == [("unknown_record", 10)]
    assert problems[0].detail.startswith('record type "X" is not one of H P O R C M S Q L')


def test_the_header_time_dates_a_result_that_has_no_time_of_its_own() -> None:
    raw = b"H|\\^&||||||||||||20261206101500\rP|1\rO|1|S1\rR|1|^^^X|5|u\rL|1|N\r"  # H.14
    (result,), _ = decode_message(strict_profile(), raw)
    assert result.observed_at == datetime(2026, 12, 6, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_header_is_encoded_with_its_delimiters_and_fields() -> None:
    assert encode_record("H", ["", "", ["Sender", "1"]]) == b"H|\\^&|||Sender^1"


def test_the_callers_counter_counts_a_switch_fired_while_parsing() -> None:
    counter = ToleranceCounter()
    raw = b"H|\\^&\nP|1\nO|1|S1\nR|1|^^^X|5|u\nL|1|N\n"
    results, _ = decode_message(strict_profile(tolerance={"lf_record_separator": True}), raw, counter=counter)
    assert len(results) == 1
    assert counter.count("test-analyzer", "lf_record_separator") == 1


def test_a_record_stream_is_cut_into_messages_at_each_h_record() -> None:
    one = b"H|\\^&\rP|1\rL|1|N\r"
    assert split_messages(one + one + b"\n" + one) == [
        (0, one),
        (len(one), one + b"\n"),
        (2 * len(one) + 1, one),
    ]
    # an H right after a leading CR starts a message at byte 1; the CR alone is none
    assert split_messages(b"\r" + one) == [(1, one)]


@pytest.mark.parametrize(
    ("header", "order", "flags"),
    [
        (b"H|\\^&||||||||||Q", b"O|1|S1", ()),  # H.12 processing ID Q: a QC run
        (b"H|\\^&||||||||||T", b"O|1|S1", ("training_message",)),  # T: no real measurement either
        (b"H|\\^&", b"O|1|S1|||||||||Q", ()),  # O.12 action code Q: a QC order
    ],
)
def test_a_qc_message_or_order_gives_qc_results(header: bytes, order: bytes, flags: tuple[str, ...]) -> None:
    raw = header + b"\rP|1\r" + order + b"\rR|1|^^^X|5|u\rL|1|N\r"
    results, _ = decode_message(strict_profile(), raw)
    assert [(r.qc, r.flags) for r in results] == [(True, flags)]


def test_the_order_time_dates_a_result_that_has_no_time_of_its_own() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1||||20261206081500\rR|1|^^^X|5|u\rL|1|N\r"  # O.7
    (result,), _ = decode_message(strict_profile(), raw)
    assert result.observed_at == datetime(2026, 12, 6, 8, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_second_header_in_one_message_is_placed_from_the_messages_offset() -> None:
    _, (problem,) = decode_message(strict_profile(), b"H|\\^&\rP|1\rH|\\^&\rL|1|N\r", base_offset=100)
    assert (problem.reason, problem.detail) == (
        "unparseable_message",
        "byte 110: second H record inside one message",
    )


def test_a_result_before_any_order_is_no_qc_result() -> None:
    raw = b"H|\\^&\rP|1\rR|1|^^^X|5|u\rL|1|N\r"
    results, _ = decode_message(strict_profile(), raw)
    assert [r.qc for r in results] == [False]


def test_an_lf_without_its_switch_is_placed_from_the_messages_offset() -> None:
    raw = b"H|\\^&\rP|1\nL|1|N\r"  # the LF is byte 9 of the message, which starts at byte 100
    _, (problem,) = decode_message(strict_profile(), raw, base_offset=100)
    assert (problem.reason, problem.byte_offset) == ("unparseable_message", 109)
    assert problem.detail.startswith("byte 109: LF inside ASTM record text")


def test_a_result_keeps_its_reference_range_and_a_w_status_is_questionable() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u|70-110|||W\rL|1|N\r"  # R.6 range, R.9 W
    (result,), _ = decode_message(strict_profile(), raw)
    assert (result.reference_range, result.status, result.flags) == ("70-110", "preliminary", (QUESTIONABLE,))


@pytest.mark.parametrize(
    ("records", "hour"),
    [
        (b"O|1|S1\rR|1|^^^X|5|u||||F|||20261206091000", 9),  # R.12, the result's start, without R.13
        (b"O|1|S1" + b"|" * 20 + b"20261206071500\rR|1|^^^X|5|u", 7),  # O.23, without O.7
    ],
)
def test_a_result_is_dated_by_its_start_or_its_orders_receipt(records: bytes, hour: int) -> None:
    (result,), _ = decode_message(strict_profile(), b"H|\\^&\rP|1\r" + records + b"\rL|1|N\r")
    assert result.observed_at is not None and result.observed_at.hour == hour


def test_a_qc_specimen_in_o16_gives_qc_results() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1" + b"|" * 13 + b"QC\rR|1|^^^X|5|u\rL|1|N\r"
    results, _ = decode_message(strict_profile(), raw)
    assert [r.qc for r in results] == [True]


def test_a_results_abnormal_flags_are_its_r7_repeats() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u||H\\A||F\rL|1|N\r"  # R.7 H (high) and A (abnormal)
    (result,), _ = decode_message(strict_profile(), raw)
    assert (result.flags, result.status) == (("H", "A"), "final")


# ---- the second mutation pass (helper-242, after 96b63a69): what its survivors showed untested


def test_an_empty_delimiter_field_is_named_as_empty() -> None:
    # 'H||' ends the delimiter field at byte 2; reading on to the next '|' named other bytes (line 56)
    with pytest.raises(CodecError, match=r'^header delimiter field "" must be 3 distinct characters'):
        delimiters_from_header("H||\\^&")


def test_a_record_that_is_no_header_is_shown_by_its_first_20_characters() -> None:
    with pytest.raises(CodecError) as refused:  # line 49
        delimiters_from_header("P|1|ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert str(refused.value) == 'message does not start with an H record: "P|1|ABCDEFGHIJKLMNOP"'


def test_offsets_count_from_the_messages_first_byte_when_no_base_is_given() -> None:
    # the default base_offset is 0 (lines 187 and 204): byte 10 is the second H's first byte
    with pytest.raises(CodecError, match=r"^byte 10: second H record inside one message$"):
        parse_message(b"H|\\^&\rP|1\rH|\\^&\rL|1|N\r", strict_profile())
    with pytest.raises(CodecError, match=r"^byte 9: LF inside ASTM record text"):
        split_record_bytes(b"H|\\^&\rP|1\nL|1|N\r", strict_profile(), ToleranceCounter())


def test_a_first_record_that_is_no_header_is_placed_from_the_messages_offset() -> None:
    # after a leading CR the first record is byte 1 of a message at byte 100 (line 228)
    _, (problem,) = decode_message(strict_profile(), b"\rP|1\rL|1|N\r", base_offset=100)
    assert problem.detail == 'byte 101: message does not start with an H record: "P|1"'


def test_a_header_field_is_unescaped_but_its_delimiter_field_is_kept_as_sent() -> None:
    # Record.text unescapes every field but H.2, the delimiters themselves (lines 135, 230)
    message = parse_message(b"H|\\^&|M&F&1||Lab&F&1\rP|1|A&S&B\rL|1|N\r", strict_profile())
    header, patient = message.records[0], message.records[1]
    assert (header.type, header.text(2), header.text(3), header.text(5)) == ("H", "\\^&", "M|1", "Lab|1")
    assert patient.text(3) == "A^B"


@pytest.mark.parametrize(
    ("processing", "qc", "flags"), [(b"T^1", True, ("training_message",)), (b"Q^1", True, ())]
)
def test_the_processing_id_is_the_first_component_of_h12(
    processing: bytes, qc: bool, flags: tuple[str, ...]
) -> None:
    raw = b"H|\\^&||||||||||" + processing + b"\rP|1\rO|1|S1\rR|1|^^^X|5|u\rL|1|N\r"  # lines 286-287
    results, _ = decode_message(strict_profile(), raw)
    assert [(r.qc, r.flags) for r in results] == [(qc, flags)]


def test_a_result_before_any_patient_or_order_is_no_qc_result() -> None:
    # no P record resets the order's QC flag before it: it starts false (line 296)
    results, _ = decode_message(strict_profile(), b"H|\\^&\rR|1|^^^X|5|u\rL|1|N\r")
    assert [(r.qc, r.vendor_code) for r in results] == [(False, "X")]


def test_an_unknown_record_type_is_shown_by_its_first_10_characters() -> None:
    _, problems = decode_message(strict_profile(), b"H|\\^&\rP|1\rXYZXYZXYZXYZ|1\rL|1|N\r")  # line 317
    assert problems[0].detail.startswith('record type "XYZXYZXYZX" is not one of')


@pytest.mark.parametrize(("sequence", "named"), [(b"1", "R 1"), (b"", "R ?")])
def test_a_result_with_two_values_is_named_by_its_sequence_and_test(sequence: bytes, named: str) -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|" + sequence + b"|^^^X|5\\6|u\rL|1|N\r"  # R.4 repeated (lines 352, 354)
    results, problems = decode_message(strict_profile(), raw)
    assert results == [] and [p.reason for p in problems] == ["repeated_value"]
    assert problems[0].detail.startswith(f'{named} test "X": R.4 holds 2 values')


def test_a_results_unit_and_range_are_their_first_components_and_its_comment_is_c4() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u^SI|70-110^N\rC|1|I|Haemolysed^sample|G\rL|1|N\r"
    (result,), _ = decode_message(strict_profile(), raw)  # lines 374, 376, 385
    assert (result.device_unit, result.reference_range, result.comments) == (
        "u",
        "70-110",
        ("Haemolysed sample",),
    )


def test_a_comment_record_with_an_empty_c4_adds_no_comment() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u\rC|1|I||G\rL|1|N\r"  # C.5 G is its type, no text (line 376)
    (result,), _ = decode_message(strict_profile(), raw)
    assert result.comments == ()
