"""OBX segments after an HL7 segment whose ID could not be read are held, never given to the
patient before it. HL7 v2: a segment ID is three characters (PID, PV1; site-defined Z segments
such as ZPD are legal); a segment whose ID is none (``2PID|1||PAT-2``: a sequence number left in
front; garbage; ``PI|...``) was skipped, and the OBX after it were given to the previous PID's
patient - a wrong-patient result. It may have been a PID (or OBR), so its OBX are now quarantined
``after_unreadable_segment``, naming the segment's byte and text, until the next readable PID (an
OBR does not end the hold). Legal segments the codec does not use (NTE, ORC, SPM, PV1, Z..) hold
nothing. SYNTHETIC patients; the real codec and the bundled generic HL7 profile.
"""

from __future__ import annotations

import pytest

from devices.codecs import hl7, hl7_ack
from devices.profile import load_profile
from devices.results import DeviceResult, Quarantine

MSH = b"MSH|^~\\&|DEV|LAB|||20240301101500||ORU^R01|C1|P|2.5"
FIRST = (b"PID|1||PAT-1", b"OBR|1||S1", b"OBX|1|NM|GLU||4.1|mmol/L|||||F")
LATER = b"OBX|1|NM|GLU||9.9|mmol/L|||||F"


def _decode(*segments: bytes, base_offset: int = 0) -> tuple[bytes, list[DeviceResult], list[Quarantine]]:
    raw = b"".join(s + b"\r" for s in (MSH, *segments))
    results, problems = hl7.decode_message(load_profile("generic-hl7"), raw, base_offset=base_offset)
    return raw, results, problems


def _held(problems: list[Quarantine]) -> list[Quarantine]:
    return [q for q in problems if q.reason == "after_unreadable_segment"]


@pytest.mark.parametrize(
    "unreadable",
    [
        b"2PID|2||PAT-2",  # a sequence number left in front of a PID
        b"\x0bPID|2||PAT-2",  # a stray byte in front
        b"PI|2||PAT-2",  # two characters
        b"pid|2||PAT-2",  # not capitals
        b"1OB|1||S2",  # a digit first
    ],
)
def test_obx_after_an_unreadable_segment_are_held_naming_it(unreadable: bytes) -> None:
    raw, results, problems = _decode(*FIRST, unreadable, b"OBR|1||S2", LATER, base_offset=30)
    assert [(r.vendor_code, r.patient_id, r.value) for r in results] == [("GLU", "PAT-1", "4.1")]
    (held,) = _held(problems)
    at, later = 30 + raw.index(unreadable), 30 + raw.rindex(LATER)
    name = unreadable.split(b"|")[0].decode("latin-1")
    assert (held.byte_offset, held.with_result) == (later, False)
    assert held.detail.startswith(f'OBX 1 test "GLU": the segment before it at byte {at}, "')
    assert f'could not be read (segment ID "{name}"' in held.detail.replace("\\u000b", "\x0b")
    assert "may have been a PID or OBR, so whose result this is is not known" in held.detail
    assert held.detail.endswith("until the next readable PID")


def test_the_segment_is_shown_to_forty_characters() -> None:
    long = b"2PID|1||PAT-2||SYNTHETIC^PATIENT^WITH^A^LONG^NAME"
    _, _, problems = _decode(*FIRST, long, LATER)
    (held,) = _held(problems)
    assert f'"{long[:40].decode()}..."' in held.detail


def test_every_obx_is_held_until_the_next_readable_pid() -> None:
    third = b"OBX|1|NM|GLU||6.0|mmol/L|||||F"
    _, results, problems = _decode(
        *FIRST, b"2PID|2||PAT-2", LATER, b"OBX|2|NM|NA||140|mmol/L|||||F", b"PID|3||PAT-3", third
    )
    assert [(r.patient_id, r.value) for r in results] == [("PAT-1", "4.1"), ("PAT-3", "6.0")]
    assert len(_held(problems)) == 2


@pytest.mark.parametrize(
    "legal", [b"NTE|1||a note", b"ORC|RE|1", b"SPM|1|S1", b"PV1|1|O", b"ZPD|1|site", b"Z3M|1"]
)
def test_legal_segments_the_codec_does_not_use_hold_nothing(legal: bytes) -> None:
    _, results, problems = _decode(*FIRST, legal, LATER)
    assert [(r.patient_id, r.value) for r in results] == [("PAT-1", "4.1"), ("PAT-1", "9.9")]
    assert _held(problems) == []


def test_an_unreadable_segment_with_no_obx_after_it_holds_nothing() -> None:
    _, results, problems = _decode(*FIRST, b"2PID|2||PAT-2", b"PID|3||PAT-3", LATER)
    assert [(r.patient_id, r.value) for r in results] == [("PAT-1", "4.1"), ("PAT-3", "9.9")]
    assert _held(problems) == []  # the segment itself is reported: test_hl7_unreadable_segment_reported


def _message(*segments: bytes, msh: bytes = MSH) -> hl7.Hl7Message:
    return hl7.parse_message(b"".join(s + b"\r" for s in (msh, *segments)), load_profile("generic-hl7"))


def test_the_ack_accepts_the_message_and_says_what_was_held() -> None:
    message = _message(*FIRST, b"2PID|2||PAT-2", LATER, LATER)
    at = next(s.offset for s in message.segments if s.name == "2PID")
    said = f"2 OBX segments held, patient unknown: segment at byte {at} unreadable"
    msa, err = hl7_ack.accept_ack(message, False).decode().split("\r")[1:3]
    assert msa == f"MSA|AA|C1|{said}"
    # v2.5 ERR: no location, table 0357 100, severity W (warning), the text in ERR-7 and ERR-8
    assert err == f"ERR|||100^Segment sequence error^HL70357|W|||{said}|{said}"
    one = _message(*FIRST, b"2PID|2||PAT-2", LATER)
    assert hl7_ack.held_note(one).startswith("1 OBX segment held, ")


def test_the_ack_of_a_message_without_held_obx_is_a_plain_aa() -> None:
    message = _message(*FIRST, b"NTE|1||note", b"ZPD|2||site", b"PID|3||PAT-3", LATER)
    assert hl7_ack.held_note(message) == ""
    assert hl7_ack.accept_ack(message, False).decode().split("\r")[1:] == ["MSA|AA|C1", ""]


def test_from_v2_7_the_ack_says_it_in_err_alone_and_before_v2_5_in_msa_3_alone() -> None:
    v27 = _message(*FIRST, b"2PID|2||PAT-2", LATER, msh=MSH.replace(b"|2.5", b"|2.7"))
    segments = hl7_ack.accept_ack(v27, True).decode().split("\r")
    assert segments[1] == "MSA|CA|C1"  # MSA-3 is withdrawn from v2.7
    assert segments[2].startswith("ERR|||100^Segment sequence error^HL70357|W|||1 OBX segment held")
    v231 = _message(*FIRST, b"2PID|2||PAT-2", LATER, msh=MSH.replace(b"|2.5", b"|2.3.1"))
    segments = hl7_ack.accept_ack(v231, False).decode().split("\r")
    assert segments[1].startswith("MSA|AA|C1|1 OBX segment held") and segments[2:] == [""]
