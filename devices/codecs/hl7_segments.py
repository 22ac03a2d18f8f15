"""HL7 v2 segments whose ID is no segment ID (``2PID|...``: a sequence number left in front;
garbage): :func:`devices.codecs.hl7.decode_message` quarantines each (``unreadable_segment``) and
holds the OBX after one (``after_unreadable_segment``) until the next readable PID, since it may
have been a PID or OBR; :mod:`devices.codecs.hl7_ack`'s AA says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from devices.results import Quarantine
from referral.errors import json_text

if TYPE_CHECKING:
    from devices.codecs.hl7 import Hl7Message, Segment

#: An HL7 v2 segment ID: three characters, a capital letter then capitals or digits (PID, PV1, Z3M;
#: the Z ones are site-defined and legal). A segment whose ID is not one (``2PID``: a sequence
#: number left in front; garbage) may have been a PID or OBR, so the OBX after it are held.
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")


def unread_before(segments: list[Segment]) -> list[Segment | None]:
    """For each segment, the segment before it whose ID is no HL7 segment ID (:data:`SEGMENT_ID`,
    the last such one) when no readable PID stands between them, else None: an OBX with one is
    held, the unreadable segment may have been a PID or OBR."""
    unread: Segment | None = None
    found: list[Segment | None] = []
    for seg in segments:
        found.append(unread)
        if not SEGMENT_ID.fullmatch(seg.name):
            unread = seg
        elif seg.name == "PID":
            unread = None
            found[-1] = None
    return found


def unreadable_segments(message: Hl7Message) -> list[Segment]:
    """The segments whose ID is no HL7 segment ID (:data:`SEGMENT_ID`): each is quarantined
    ``unreadable_segment`` by :func:`devices.codecs.hl7.decode_message`, and not used."""
    return [s for s in message.segments if not SEGMENT_ID.fullmatch(s.name)]


def held_after_unreadable(message: Hl7Message) -> tuple[int, Segment] | None:
    """How many OBX :func:`devices.codecs.hl7.decode_message` holds after an unreadable segment and the first such
    segment; None when it holds none."""
    pairs = zip(message.segments, unread_before(message.segments), strict=True)
    held = [u for s, u in pairs if s.name == "OBX" and u]
    return (len(held), held[0]) if held else None


def _shown(segment: Segment) -> str:
    """A segment's text to its first 40 characters (``...`` after a longer one)."""
    text = segment.enc.field.join(segment.fields)
    return text if len(text) <= 40 else text[:40] + "..."


def unreadable(seg: Segment, raw: bytes, base_offset: int, device_id: str) -> Quarantine:
    """A segment whose ID is no HL7 segment ID: quarantined ``unreadable_segment``, naming its
    byte and text, as ASTM's record of unknown type is (``unknown_record``) - it may have been an
    OBX whose result would otherwise be lost without a trace, or a PID or OBR (then the OBX after
    it are held, :func:`held_after_unread`)."""
    return Quarantine(
        "unreadable_segment",
        raw,
        base_offset + seg.offset,
        device_id,
        f"segment at byte {base_offset + seg.offset}, {json_text(_shown(seg))}, could not be read: segment ID"
        f" {json_text(seg.name[:10])} is not three characters, a capital letter then capitals or digits (a"
        " sequence number or other bytes in front of it?); the segment is not used",
    )


def held_after_unread(
    seg: Segment, vendor: str, unread: Segment, raw: bytes, base_offset: int, device_id: str
) -> Quarantine:
    """An OBX after a segment that could not be read and may have been a PID or OBR: held as
    ``after_unreadable_segment``, naming that segment's byte and text (as ASTM's R records after
    an unreadable record, :mod:`devices.codecs.astm_records`)."""
    shown = _shown(unread)
    test = f" test {json_text(vendor)}" if vendor else ""
    return Quarantine(
        "after_unreadable_segment",
        raw,
        base_offset + seg.offset,
        device_id,
        f"OBX {seg.first(1) or '?'}{test}: the segment before it at byte {base_offset + unread.offset},"
        f" {json_text(shown)}, could not be read (segment ID {json_text(unread.name[:10])} is not three"
        " characters, a capital letter then capitals or digits) and may have been a PID or OBR, so whose result this is is not"
        " known; the OBX after it are held, not given to the patient before it, until the next"
        " readable PID",
    )
