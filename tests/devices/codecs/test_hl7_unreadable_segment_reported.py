"""An HL7 segment whose ID could not be read is reported, never dropped without a trace. A segment
whose ID is no HL7 segment ID (``2OBX|2|...``: a sequence number left in front; ``2PID|...``) held
the OBX after it (``after_unreadable_segment``), but with no OBX after it - the last segment of the
message, or one right before a readable PID - it left no quarantine entry and a plain AA: an
``2OBX`` result was lost and nobody could see it. Now every such segment is quarantined
``unreadable_segment``, naming its byte and its first 40 characters, as ASTM's record of unknown
type is (``unknown_record``), and the AA says so (MSA-3 up to v2.6, from v2.5 an ERR warning).
SYNTHETIC patients; the real codec and the bundled generic HL7 profile."""

from __future__ import annotations

import pytest

from devices.codecs import hl7, hl7_ack
from devices.profile import load_profile
from devices.results import Quarantine
from tests.devices.codecs.test_hl7_hold_after_unreadable_segment import FIRST, MSH, _decode

LOST = b"2OBX|2|NM|NA||140|mmol/L|||||F"  # a second result, a sequence number left in front


def _raw(*segments: bytes, msh: bytes = MSH) -> bytes:
    return b"".join(s + b"\r" for s in (msh, *segments))


def _reported(problems: list[Quarantine]) -> list[Quarantine]:
    return [q for q in problems if q.reason == "unreadable_segment"]


@pytest.mark.parametrize(
    "after",
    [
        (),  # the message's last segment
        (b"PID|2||PAT-2", b"OBR|1||S2", b"OBX|1|NM|GLU||6.0|mmol/L|||||F"),  # a readable PID next
    ],
)
def test_an_unreadable_segment_with_no_obx_held_after_it_is_quarantined_naming_it(
    after: tuple[bytes, ...],
) -> None:
    raw, results, problems = _decode(*FIRST, LOST, *after, base_offset=30)
    assert [r.value for r in results] == ["4.1", *(["6.0"] if after else [])]
    (entry,) = _reported(problems)
    at = 30 + raw.index(LOST)
    assert (entry.byte_offset, entry.with_result, entry.raw) == (at, False, raw)
    assert entry.detail == (
        f'segment at byte {at}, "2OBX|2|NM|NA||140|mmol/L|||||F", could not be read: segment ID "2OBX" is'
        " not three characters, a capital letter then capitals or digits (a sequence number or other"
        " bytes in front of it?); the segment is not used"
    )
    assert [q.reason for q in problems if not q.with_result] == ["unreadable_segment"]  # nothing held


def test_with_obx_after_it_the_segment_is_reported_and_its_obx_held() -> None:
    raw, results, problems = _decode(*FIRST, b"2PID|2||PAT-2", b"OBX|1|NM|GLU||9.9|mmol/L|||||F")
    assert [r.patient_id for r in results] == ["PAT-1"]
    assert [(q.reason, q.byte_offset) for q in problems if not q.with_result] == [
        ("unreadable_segment", raw.index(b"2PID")),
        ("after_unreadable_segment", raw.index(b"OBX|1|NM|GLU||9.9")),
    ]


def test_a_long_segment_is_shown_to_forty_characters() -> None:
    long = b"2PID|1||PAT-2||SYNTHETIC^PATIENT^WITH^A^LONG^NAME"
    _, _, problems = _decode(*FIRST, long)
    (entry,) = _reported(problems)
    assert f'"{long[:40].decode()}...", could not be read' in entry.detail


@pytest.mark.parametrize("legal", [b"NTE|1||a note", b"ORC|RE|1", b"PV1|1|O", b"ZPD|1|site", b"Z3M|1"])
def test_legal_segments_the_codec_does_not_use_are_not_reported(legal: bytes) -> None:
    _, results, problems = _decode(*FIRST, legal)
    assert len(results) == 1 and [q for q in problems if not q.with_result] == []


def test_the_aa_says_the_segments_not_used() -> None:
    profile = load_profile("generic-hl7")
    message = hl7.parse_message(_raw(*FIRST, LOST), profile)
    at = _raw(*FIRST, LOST).index(LOST)
    said = f"1 segment not used: segment at byte {at} unreadable"
    msa, err = hl7_ack.accept_ack(message, False).decode().split("\r")[1:3]
    assert msa == f"MSA|AA|C1|{said}"
    assert err == f"ERR|||100^Segment sequence error^HL70357|W|||{said}|{said}"
    two = hl7.parse_message(_raw(*FIRST, LOST, b"2OBX|3|NM|K||4.1|mmol/L|||||F"), profile)
    assert hl7_ack.held_note(two) == f"2 segments not used: segment at byte {at} unreadable"
    v27 = hl7.parse_message(_raw(*FIRST, LOST, msh=MSH.replace(b"|2.5", b"|2.7")), profile)
    segments = hl7_ack.accept_ack(v27, True).decode().split("\r")
    assert segments[1] == "MSA|CA|C1" and segments[2].startswith(
        "ERR|||100^Segment sequence error^HL70357|W|||1 segment"
    )
