"""LIS2-A2 records (checklist items 11-17)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devices.codecs.astm_records import (
    DEFAULT,
    Delimiters,
    decode_message,
    delimiters_from_header,
    encode_record,
    escape,
    parse_message,
    unescape,
)
from devices.errors import CodecError
from devices.profile import load_profile
from devices.results import DELETE, INCOMPLETE, NO_VALUE
from devices.tolerance import ToleranceCounter
from tests.devices.codecs.wire import strict_profile

TRACES = Path(__file__).parents[1] / "traces" / "data"

# ---- 11. delimiters from the header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("H|\\^&|||x", Delimiters("|", "\\", "^", "&")),
        ("H|@^\\|URM", Delimiters("|", "@", "^", "\\")),  # GeneXpert
        ("H!~^$!!!", Delimiters("!", "~", "^", "$")),
    ],
)
def test_delimiters_are_read_from_the_header(header: str, expected: Delimiters) -> None:
    assert delimiters_from_header(header) == expected


def test_doubled_backslash_header_needs_its_switch() -> None:
    with pytest.raises(CodecError, match="doubled_backslash_header"):
        delimiters_from_header("H|\\\\^&|||H550", strict_profile())
    counter = ToleranceCounter()
    prof = strict_profile(tolerance={"doubled_backslash_header": True})
    assert delimiters_from_header("H|\\\\^&|||H550", prof, counter) == DEFAULT
    assert counter.count("test-analyzer", "doubled_backslash_header") == 1


def test_genexpert_components_split_on_its_own_delimiters() -> None:
    prof = load_profile("cepheid-genexpert")
    raw = (TRACES / "cepheid-genexpert.astm").read_bytes()
    text = raw[2 : raw.rindex(b"\x03")]
    results, _ = decode_message(prof, text)
    assert results[0].vendor_code == "MTB-RIF^Xpert^MTB^" and results[0].value == "NOT DETECTED"
    assert results[2].vendor_code == "MTB-RIF^Xpert^rpoB1^Ct" and results[2].value == "0.0"
    assert results[0].comments == ("Notes Id# 118176 Sardani P Lantion CDU/Dr. A Marcil cp",)


# ---- 12. escapes


@pytest.mark.parametrize("d", [DEFAULT, Delimiters("|", "@", "^", "\\")])
@pytest.mark.parametrize("text", ["a|b", "x^y\\z&w", "&F&", "plain", "@@^^||"])
def test_escape_round_trips_and_never_leaks_a_delimiter(d: Delimiters, text: str) -> None:
    escaped = escape(text, d)
    assert d.field not in escaped and d.component not in escaped and d.repeat not in escaped
    assert unescape(escaped, d) == text


def test_unescape_hex_highlight_and_local_sequences() -> None:
    assert unescape("a&X41&b&H&c&N&", DEFAULT) == "aAbc"
    assert unescape("&Zlocal&", DEFAULT) == "&Zlocal&"
    assert unescape("PNG&R&20240628", DEFAULT) == "PNG\\20240628"


def test_encoded_record_parses_back_with_data_containing_delimiters() -> None:
    rec = encode_record("R", ["1", ["", "", "", "GLU"], "5|6^7", "mmol/L"])
    assert rec == b"R|1|^^^GLU|5&F&6&S&7|mmol/L"
    msg = parse_message(b"H|\\^&\r" + rec + b"\rL|1|N\r", strict_profile())
    assert msg.records[1].components(4) == ["5|6^7"]


# ---- 13. many patients, sequence levels, C and M records


def test_twenty_patients_give_twenty_result_groups() -> None:
    prof = load_profile("euroimmun-analyzer1")
    results, problems = decode_message(prof, (TRACES / "euroimmun-analyzer1.astm").read_bytes())
    assert len(results) == 20
    assert [r.patient_id for r in results][:3] == ["TEST-27-079-5-1", "TEST-27-077-5-1", "TEST-27-062-5-1"]
    assert len(problems) == 20 and {p.reason for p in problems} == {"unmapped_code"}


def test_comment_attaches_to_the_preceding_record_and_m_is_kept_raw() -> None:
    raw = (TRACES / "roche-cobas_c311.astm").read_bytes()
    msg = parse_message(raw[2 : raw.rindex(b"\x03")], strict_profile())
    results = [r for r in msg.records if r.type == "R"]
    assert [c.raw(4) for c in results[0].comments] == ["43"]
    assert all(len(r.comments) == 1 for r in results)
    c111 = b"H|\\^&\rM|1|RR^BM^c111^1|-21|-21\\-21\\1\rL|1|N\r"
    m = parse_message(c111, strict_profile()).records[1]
    assert m.type == "M" and m.repeats(5) == ["-21", "-21", "1"]


# ---- 14. omitted and extra fields, "" versus empty


def test_short_and_long_records_are_both_accepted() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|5.5\rR|2|^^^HBA|6.1|%||||F||||20240101120000|x|y|z|extra\rL|1|N\r"
    results, _ = decode_message(strict_profile(), raw)
    assert [(r.vendor_code, r.value, r.unit, r.status) for r in results] == [
        ("GLU", "5.5", None, "preliminary"),
        ("HBA", "6.1", "%", "final"),
    ]


def test_quoted_empty_means_delete_and_differs_from_empty() -> None:
    raw = b'H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|""|mmol/L||||F\rR|2|^^^GLU||mmol/L||||F\rL|1|N\r'
    results, _ = decode_message(strict_profile(), raw)
    assert DELETE in results[0].flags and NO_VALUE not in results[0].flags
    assert NO_VALUE in results[1].flags and DELETE not in results[1].flags


# ---- 15. values


def _one(raw_value: bytes, status: bytes = b"F", **profile: object) -> tuple[str, str, tuple[str, ...]]:
    prof = strict_profile(**profile)
    msg = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|" + raw_value + b"|u||||" + status + b"\rL|1|N\r"
    (r,), _ = decode_message(prof, msg)
    return r.value, r.status, r.flags


def test_value_normalisation() -> None:
    assert _one(b"  5.5")[0] == "5.5"
    assert _one(b"7,41")[0] == "7,41"  # no switch: kept as sent, so triage cannot misread it
    assert _one(b"7,41", tolerance={"decimal_comma": True})[0] == "7.41"
    assert _one(b">8")[0] == ">8"
    assert _one(b"-----", b"X")[:2] == ("", "cannot_be_done")
    assert NO_VALUE in _one(b"---")[2]
    assert NO_VALUE in _one(b"------")[2]  # any run of dashes, not only the listed tokens
    assert _one(b"5.1", b"C")[1] == "corrected"
    assert _one(b"5.1", b"P")[1] == "preliminary"


def test_decimal_comma_switch_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="devices.tolerance"):
        _one(b"6,77", tolerance={"decimal_comma": True})
    assert "test-analyzer" in caplog.text and "decimal_comma" in caplog.text


# ---- 16. L termination codes


@pytest.mark.parametrize(
    ("code", "complete"), [(b"N", True), (b"", True), (b"T", False), (b"E", False), (b"R", False)]
)
def test_abnormal_termination_marks_results_incomplete(code: bytes, complete: bool) -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u||||F\rL|1|" + code + b"\r"
    (r,), _ = decode_message(strict_profile(), raw)
    assert (INCOMPLETE not in r.flags) is complete
    assert r.status == ("final" if complete else "preliminary")


def test_missing_l_record_is_incomplete_unless_switched() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u||||F\r"
    (r,), _ = decode_message(strict_profile(), raw)
    assert INCOMPLETE in r.flags
    (r,), _ = decode_message(strict_profile(tolerance={"missing_l_record": True}), raw)
    assert INCOMPLETE not in r.flags and r.status == "final"


# ---- 17. retransmitted H/P/O do not duplicate results


def test_retransmission_gives_the_same_idempotency_key() -> None:
    prof = load_profile("abbott-afinion2")
    raw = (TRACES / "abbott-afinion2.astm").read_bytes()
    text = raw[2 : raw.rindex(b"\x03")]
    (a,), _ = decode_message(prof, text)
    (b,), _ = decode_message(prof, text.replace(b"20241206141235", b"20241206141300"))  # new header time
    assert a.idempotency_key == b.idempotency_key
    assert a.message_id != b.message_id


# ---- problems are quarantined, never raised


def test_undecodable_bytes_are_quarantined_with_offset() -> None:
    raw = "H|\\^&\rP|1||Zoë\rL|1|N\r".encode("latin-1")
    results, problems = decode_message(strict_profile(encoding="utf-8"), raw, base_offset=100)
    assert results == [] and problems[0].reason == "undecodable_bytes"
    assert "byte 113" in problems[0].detail and problems[0].raw == raw
    assert problems[0].byte_offset == 113  # the bad byte, not the message's start


def test_same_bytes_decode_with_the_profile_encoding() -> None:
    raw = "H|\\^&\rP|1||Š\rO|1|S|\rR|1|^^^X|1\rL|1|N\r".encode("cp1252")
    msg = parse_message(raw, strict_profile(encoding="cp1252"))
    assert msg.records[1].raw(4) == "Š"


def test_garbage_is_an_unparseable_message() -> None:
    results, problems = decode_message(strict_profile(), b"hello world\r")
    assert results == [] and problems[0].reason == "unparseable_message"
    _, problems = decode_message(strict_profile(), b"H|\\^&\rR|1|^^^X|1\nL|1|N\r")
    assert "lf_record_separator" in problems[0].detail


def test_timestamps_keep_the_sender_offset_or_use_the_profile_zone() -> None:
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^X|5|u||||F||||20240101120000+0100\rR|2|^^^X|5|u||||F||||20240101120000\rL|1|N\r"
    (a, b), _ = decode_message(strict_profile(timezone="UTC"), raw)
    assert a.observed_at is not None and a.observed_at.isoformat() == "2024-01-01T12:00:00+01:00"
    assert b.observed_at is not None and b.observed_at.isoformat() == "2024-01-01T12:00:00+00:00"
    _, problems = decode_message(strict_profile(), raw.replace(b"20240101120000+0100", b"2024-01-01"))
    assert "bad_timestamp" in {p.reason for p in problems}


def test_a_unit_the_device_sends_is_never_relabelled_by_the_profile() -> None:
    prof = strict_profile(mapping={"GLU": {"code": "glucose_random", "unit": "mmol/L"}})
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|126|mg/dL||||F\rR|2|^^^GLU|7.0|||||F\rL|1|N\r"
    (sent, bare), _ = decode_message(prof, raw)
    assert (sent.code, sent.unit) == ("glucose_random", "mg/dL")  # triage converts 126 mg/dL
    assert bare.unit == "mmol/L"  # no unit sent: the profile's unit applies
    strict_units = strict_profile(
        mapping={"GLU": {"code": "glucose_random", "unit": "mmol/L", "device_units": ["mmol/L"]}}
    )
    _, problems = decode_message(strict_units, raw)
    assert problems[0].reason == "unexpected_unit" and "mg/dL" in problems[0].detail


def test_scale_applies_only_to_the_profile_unit() -> None:
    entry = {"code": "creatinine", "unit": "umol/L", "scale": 10.0}
    raw = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^CRE|9.8|||||F\rR|2|^^^CRE|98|umol/L||||F\rR|3|^^^CRE|>9.8|||||F\rL|1|N\r"
    (bare, with_unit, censored), problems = decode_message(strict_profile(mapping={"CRE": entry}), raw)
    assert (bare.value, bare.unit, bare.code) == ("98", "umol/L", "creatinine")
    assert (with_unit.value, with_unit.code) == ("98", None)  # not scaled, quarantined
    assert censored.value == ">98"
    assert [p.reason for p in problems] == ["unexpected_unit"]


def test_a_result_without_a_test_code_in_the_configured_components_is_quarantined() -> None:
    """test_code_components pointing at an empty component gave every R the code '' (or '^'):
    one exactly-once key for all of them, so the gateway stored the first and dropped the rest
    as resends."""
    msg = b"H|\\^&\rP|1\rO|1|S1\rR|1|^^^GLU|5.5|mmol/L||||F\rR|2|^^^HBA1C|7.1|%||||F\rL|1|N\r"
    results, problems = decode_message(strict_profile(astm={"test_code_components": [5]}), msg)
    assert results == [] and [p.reason for p in problems] == ["no_test_code"] * 2
    assert problems[0].byte_offset == msg.index(b"R|1")
    assert problems[0].detail == (
        'R 1: no test code in R.3 component(s) [5] (profile [astm] test_code_components); R.3 is "^^^GLU"'
    )
    results, problems = decode_message(strict_profile(astm={"test_code_components": [1, 2]}), msg)
    assert results == [] and len(problems) == 2  # '^' is no code either
    assert [r.vendor_code for r in decode_message(strict_profile(), msg)[0]] == ["GLU", "HBA1C"]
