"""Results after an ASTM record that could not be read are held, never given to the patient
before it (ASTM E1394 / LIS2-A2: a P record starts a new patient, an O record a new order). A
record of unknown type - ``PX|...``, a frame number left in front (``2P|...``, ``2O|...``), any
other field 1 - was quarantined as ``unknown_record`` and skipped, and the R records after it were
given to the previous patient: a wrong-patient result. Such a record may have been a P (or an O),
so its R records are now quarantined ``after_unreadable_record``, naming the record's byte and
text, until the next readable P record; an O does not end the hold (the unreadable record may
have been the P). C, M, S and Q records start no patient and hold nothing. A P or O record with a
byte the profile's encoding refuses quarantines its whole message (``undecodable_bytes``), so no
result of it reaches anyone. SYNTHETIC values except the Euroimmun trace (tests/devices/traces).
"""

from __future__ import annotations

import pytest

from devices.codecs import astm_records
from devices.profile import load_profile
from devices.results import DeviceResult, Quarantine
from tests.devices.codecs.wire import strict_profile
from tests.devices.traces.golden_io import DATA

FIRST = (b"P|1||PAT-1", b"O|1|S1", b"R|1|^^^K|4.1|mmol/L||N||F")
LATER = b"R|1|^^^NA|140|mmol/L||N||F"


def _decode(*records: bytes, base_offset: int = 0) -> tuple[bytes, list[DeviceResult], list[Quarantine]]:
    raw = b"".join(r + b"\r" for r in (b"H|\\^&", *records, b"L|1|N"))
    results, problems = astm_records.decode_message(
        load_profile("generic-astm"), raw, base_offset=base_offset
    )
    return raw, results, problems


def _held(problems: list[Quarantine]) -> list[Quarantine]:
    return [q for q in problems if q.reason == "after_unreadable_record"]


@pytest.mark.parametrize(
    "unreadable",
    [
        b"PX|2||PAT-2",  # a type that only starts with P
        b"2P|2||PAT-2",  # a frame number left in front of a P record
        b"2O|2|S2",  # ... of an O record: a new order, the sample of the results after it unknown
        b"X|2||PAT-2",  # any other type: it may have been a P
    ],
)
def test_results_after_an_unreadable_record_are_held_naming_it(unreadable: bytes) -> None:
    raw, results, problems = _decode(*FIRST, unreadable, b"O|2|S2", LATER, base_offset=30)
    assert [(r.vendor_code, r.patient_id) for r in results] == [("K", "PAT-1")]
    (held,) = _held(problems)
    at, later = 30 + raw.index(unreadable), 30 + raw.index(LATER)
    kind = unreadable.split(b"|")[0].decode()
    assert (held.byte_offset, held.with_result) == (later, False)
    assert held.detail == (
        f'R 1 test "NA": the record before it at byte {at}, "{unreadable.decode()}", could not be read'
        f' (record type "{kind}") and may have started a new patient or order, so whose result this is'
        " is not known; the results after it are held, not given to the patient before it, until the"
        " next readable P record"
    )
    assert [q.reason for q in problems if q.byte_offset == at] == ["unknown_record"]


def test_the_hold_ends_at_the_next_readable_p_record_not_at_an_o_record() -> None:
    _, results, problems = _decode(
        *FIRST,
        b"2P|2||PAT-2",
        LATER,
        b"O|2|S3",
        b"R|2|^^^CL|101|mmol/L||N||F",
        b"P|3||PAT-3",
        b"O|1|S4",
        b"R|1|^^^GLU|5.5|mmol/L||N||F",
    )
    assert [(r.vendor_code, r.patient_id, r.sample_id) for r in results] == [
        ("K", "PAT-1", "S1"),
        ("GLU", "PAT-3", "S4"),
    ]
    assert [q.detail.split(":")[0] for q in _held(problems)] == ['R 1 test "NA"', 'R 2 test "CL"']


def test_a_long_unreadable_record_is_shown_by_its_first_40_characters() -> None:
    record = b"2P|2||PAT-2||" + b"Y" * 60
    _, _, problems = _decode(*FIRST, record, LATER)
    (held,) = _held(problems)
    assert f'"{record[:40].decode()}...", could not be read' in held.detail


@pytest.mark.parametrize("other", [b"C|1|I|a comment|G", b"M|1|vendor data", b"S|1|x", b"Q|1|^ALL"])
def test_records_that_start_no_patient_hold_nothing(other: bytes) -> None:
    _, results, problems = _decode(*FIRST, other, LATER)
    assert [(r.vendor_code, r.patient_id) for r in results] == [("K", "PAT-1"), ("NA", "PAT-1")]
    assert _held(problems) == [] and not [q for q in problems if q.reason == "unknown_record"]


@pytest.mark.parametrize("refused", [b"P|2||PAT-\xff2", b"O|2|S\xff2"])
def test_a_p_or_o_record_with_a_refused_byte_gives_no_result_to_anyone(refused: bytes) -> None:
    raw = b"".join(r + b"\r" for r in (b"H|\\^&", *FIRST, refused, LATER, b"L|1|N"))
    results, problems = astm_records.decode_message(strict_profile(encoding="utf-8"), raw)
    assert results == [] and [q.reason for q in problems] == ["undecodable_bytes"]
    assert problems[0].byte_offset == raw.index(b"\xff")


def test_a_patient_of_the_real_euroimmun_trace_left_with_a_frame_number_is_held_not_given_to_the_one_before() -> (
    None
):
    # the 20-patient Euroimmun message with the second P record behind a stray frame number
    trace = (DATA / "euroimmun-analyzer1.astm").read_bytes()
    profile = load_profile("euroimmun-analyzer1")
    bad = trace.replace(b"\nP|2||TEST-27-077-5-1", b"\n2P|2||TEST-27-077-5-1", 1)
    assert bad != trace
    good_results, _ = astm_records.decode_message(profile, trace)
    results, problems = astm_records.decode_message(profile, bad)
    patients = [r.patient_id for r in results]
    assert "TEST-27-079-5-1" in patients and "TEST-27-077-5-1" not in patients
    assert patients.count("TEST-27-079-5-1") == 1  # patient 1 keeps its own result only
    assert len(results) == len(good_results) - 1
    (held,) = _held(problems)
    assert held.byte_offset == bad.index(b"R|1|", bad.index(b"2P|2||"))
    assert '"2P|2||TEST-27-077-5-1", could not be read (record type "2P")' in held.detail
