"""An ASTM record's type is its whole first field (ASTM E1394 / LIS2-A2: field 1, the record type
ID, one letter). The codec read only the field's first letter, so ``PX|1||PAT-2`` was taken as a P
record - a new patient, the results after it given to PAT-2 - and ``RX|...`` as a result. Now such a
record is quarantined as ``unknown_record``, as any other unknown type, its detail naming field 1
and its bytes; every trace decodes as before (``tests/devices/traces``). The results after it are
held (``after_unreadable_record``: it may have been a P or O record), never given to the patient
before it (test_astm_hold_after_unreadable_record.py). SYNTHETIC values, the bundled generic ASTM
profile.
"""

from __future__ import annotations

from devices.codecs import astm_records
from devices.profile import load_profile
from devices.results import DeviceResult, Quarantine


def _decode(*records: bytes, base_offset: int = 0) -> tuple[bytes, list[DeviceResult], list[Quarantine]]:
    raw = b"".join(r + b"\r" for r in (b"H|\\^&", *records, b"L|1|N"))
    results, problems = astm_records.decode_message(
        load_profile("generic-astm"), raw, base_offset=base_offset
    )
    return raw, results, problems


def test_a_record_whose_first_field_only_starts_with_p_is_no_patient() -> None:
    raw, results, problems = _decode(
        b"P|1||PAT-1", b"O|1|S1", b"PX|1||PAT-2", b"R|1|^^^K|4.1|mmol/L||N||F", base_offset=40
    )
    assert results == []  # not PAT-2's, nor PAT-1's: held
    assert [q.byte_offset for q in problems if q.reason == "after_unreadable_record"] == [
        40 + raw.index(b"R|1|")
    ]
    (held,) = [q for q in problems if q.reason == "unknown_record"]
    at = 40 + raw.index(b"PX|")
    assert held.byte_offset == at
    assert held.detail == (
        f'record type "PX" is not one of H P O R C M S Q L: field 1, bytes {at}-{at + 1}, is the record'
        " type, one letter (a frame number or other bytes beside it?); the record is not used"
    )


def test_a_record_whose_first_field_only_starts_with_r_is_no_result() -> None:
    raw, results, problems = _decode(
        b"P|1||PAT-1", b"O|1|S1", b"RX|1|^^^K|4.1|mmol/L||N||F", b"R|2|^^^NA|140|mmol/L||N||F"
    )
    assert results == []  # NA is held: the unreadable record may have started a new patient
    assert [q.byte_offset for q in problems if q.reason == "after_unreadable_record"] == [raw.index(b"R|2|")]
    (held,) = [q for q in problems if q.reason == "unknown_record"]
    assert held.byte_offset == raw.index(b"RX|")
    assert f"field 1, bytes {raw.index(b'RX|')}-{raw.index(b'RX|') + 1}," in held.detail


def test_an_empty_record_type_is_named_at_its_byte() -> None:
    raw, _, problems = _decode(b"P|1", b"|1|x")
    (held,) = [q for q in problems if q.reason == "unknown_record"]
    assert held.detail.startswith(
        f'record type "" is not one of H P O R C M S Q L: field 1, empty at byte {raw.index(b"|1|x")},'
    )
