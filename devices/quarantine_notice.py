"""The quarantine notice: a decoder's quarantine of a message turned into the one sentence the log
and the devices panel (a device's ``last_error``) show - where in the session's stream and in the
message it broke, the decoder's reason and detail (long quoted values elided), and a hint.

A message is placed in the session's stream by its ``pieces``, which every link driver gives with
the message (``devices.session.Received``): where the framer cut each run of its bytes from the
stream - one per ASTM frame (a message joined from frames is not one run of bytes there), an MLLP
frame's message, a line, a POCT1-A2 message, a BLE record's lines - so that a message sent twice
is named by its own copy. ``quarantine_sentence`` writes the sentence, ``lost_parts_sentence``
the parts of a stored message that became no result. Used by ``devices.gateway``.
"""

from __future__ import annotations

import json
import re

from devices.codecs.astm_events import stream_byte

#: a quoted value in a decoder's detail (``json_text``): longer ones may be patient data
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _elide(detail: str) -> str:
    """The detail without quoted values longer than a delimiter set (``"^~\\&"``): they may quote
    the message's data (a field, the first bytes of a record) - the full detail is kept in
    device_quarantine."""

    def short(m: re.Match[str]) -> str:
        try:
            kept = len(json.loads(m.group())) <= 4
        except ValueError:
            kept = False
        return m.group() if kept else '"..."'

    return _QUOTED.sub(short, detail)


def _hint(reason: str, detail: str) -> str:
    """How to fix it, where obvious and the detail does not say so already."""
    if "profile switch" in detail or "set the profile" in detail:
        return ""
    if reason == "undecodable_bytes":
        return "; check the profile's encoding against the device's character set"
    if "delimiter" in detail or "encoding characters" in detail:
        return "; check the device's delimiter settings"
    if "must start with MSH" in detail or "does not start with an H record" in detail:
        return "; check the profile's protocol: the device may speak another one"
    if reason == "unparseable_line":  # a device at another baud rate or parity sends nothing else
        return "; on a serial port also check the baud rate and parity"
    return ""


def quarantine_sentence(fatal: str, message_offset: int | None, pieces: tuple[tuple[int, int], ...]) -> str:
    """One line for the log and the device's ``last_error``: where the message broke (in the
    session's stream, placed by the message's ``pieces``, and in the message), the decoder's reason and detail, and a hint."""
    reason, _, detail = fatal.partition(": ")
    place = ""
    if message_offset is not None:  # the detail's own "byte N: " is the message offset said again,
        # "byte N (OBX-3 of OBX 1): " with the segment and field (HL7) or record and field (ASTM)
        at = re.match(rf"byte {message_offset}(?: \(([^()]*)\))?: ", detail)
        if at is not None:
            detail, place = detail[at.end() :], f", {at.group(1)}" if at.group(1) else ""
    if message_offset is None:
        where = f" starting at byte {stream_byte(pieces, 0)} of the stream" if pieces else ""
    else:
        where = place_of(message_offset, pieces, place)
    what = f"{reason}: {_elide(detail)}" if detail else reason
    return f"message quarantined{where}: {what}{_hint(reason, detail)}"


def place_of(message_offset: int, pieces: tuple[tuple[int, int], ...], place: str = "") -> str:
    """`` at byte N of the stream (byte M of the message, <place>)`` - the stream byte (counted as
    a capture of the connection counts) when the message's ``pieces`` are known."""
    if not pieces:
        return f" at byte {message_offset} of the message{place}"
    return (
        f" at byte {stream_byte(pieces, message_offset)} of the stream "
        f"(byte {message_offset} of the message{place})"
    )


#: where a profile says a record's or segment's test code is, by protocol (``no_test_code``)
_TEST_CODE_KEY = {"astm": "[astm] test_code_components", "hl7": "[hl7] code_from"}


def lost_parts_hint(lost: tuple[tuple[str, int | None], ...], protocol: str) -> str:
    """How to fix the lost parts, where obvious: a part without a test code means the profile
    looks for it elsewhere than the device puts it (another device's profile, often)."""
    key = _TEST_CODE_KEY.get(protocol)
    if key is None or not any(reason == "no_test_code" for reason, _ in lost):
        return ""
    return (
        f"; no_test_code: the test code is not where the profile's {key} looks - check it against "
        "what the device sends (triage devices replay of a capture shows it)"
    )


def lost_parts_sentence(lost: tuple[tuple[str, int | None], ...], pieces: tuple[tuple[int, int], ...]) -> str:
    """The parts of a stored message that became no result, each reason with its byte in the
    stream and in the message where known: ``no_test_code at byte 215 of the stream (byte 184 of
    the message), ...``."""
    return ", ".join(reason if at is None else f"{reason}{place_of(at, pieces)}" for reason, at in lost)
