"""Reading capture files (what a serial sniffer, a TCP dump or a vendor sample file holds) into
complete messages, through the same codecs the live gateway uses.

- ASTM with link framing (``STX``): bytes go through :class:`~devices.codecs.astm_link.AstmReceiver`
  wrapped in a synthetic ``ENQ`` ... ``EOT`` session, so frame numbers, checksums and tolerance
  switches behave exactly as on the wire; a frame the receiver would NAK is reported, and the
  message it belonged to is reported incomplete - unless the capture holds the frame's resend
  right after it (the device resent it after the NAK), which is used, as on the wire.
- ASTM without framing (plain records, as in many vendor sample files): cut at H records.
- HL7: MLLP frames if the file has a start byte, else messages cut at ``MSH`` segments.
- POCT1-A2: XML messages cut at each root element's end tag (every message of the
  conversation is yielded; only observation messages carry results).
- BLE: GATT lines (``<uuid> <hex>``), each glucose measurement paired with its context by
  sequence number (RACP responses and gateway commands are skipped).
- line: the profile's line grammar framer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from devices.codecs.astm_events import stream_byte
from devices.codecs.astm_link import (
    AstmReceiver,
    FrameAccepted,
    FrameRejected,
    MessageDiscarded,
    MessageReceived,
)
from devices.codecs.astm_records import split_messages
from devices.codecs.gatt_lines import GattBadLine, GattFailure
from devices.codecs.gatt_records import AssembledRecord, read_records
from devices.codecs.lines import LineFramer
from devices.codecs.mllp import MllpDecoder, MllpJunk, MllpMessage, MllpOverflow
from devices.codecs.poct1a_framing import Poct1aFrame, Poct1aFramer, Poct1aJunk
from devices.decode import decode_message
from devices.profile import DeviceProfile
from devices.results import DeviceResult, NoResultLine, Quarantine
from devices.tolerance import ToleranceCounter
from referral.errors import json_text
from referral.plurals import counted


@dataclass(frozen=True, slots=True)
class CapturedMessage:
    raw: bytes
    offset: int  # byte offset in the capture file (of the message start, best known)
    complete: bool = True
    #: framed ASTM: (position in ``raw``, byte in the file) where each frame's text starts, since
    #: ``raw`` joins the frames' texts without their STX, frame number, checksum and CR LF
    pieces: tuple[tuple[int, int], ...] = ()

    def file_offset(self, position: int) -> int:
        """The byte of the capture file that holds ``raw[position]``."""
        placed = stream_byte(self.pieces, position)
        return self.offset + position if placed is None else placed


def decode_captured(
    profile: DeviceProfile,
    message: CapturedMessage,
    counter: ToleranceCounter,
    no_result: list[NoResultLine] | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """:func:`devices.decode.decode_message` of a captured message, every byte offset counted in
    the capture file (the codecs count within the message text, as the live gateway reports);
    ``no_result`` gets the OBX lines that carried no result, their offsets so counted too."""
    lines: list[NoResultLine] = []
    results, problems = decode_message(profile, message.raw, counter=counter, no_result=lines)
    if no_result is not None:
        no_result.extend(
            line
            if line.byte_offset is None
            else replace(line, byte_offset=message.file_offset(line.byte_offset))
            for line in lines
        )
    return (
        [
            r if r.byte_offset is None else replace(r, byte_offset=message.file_offset(r.byte_offset))
            for r in results
        ],
        [
            p if p.byte_offset is None else replace(p, byte_offset=message.file_offset(p.byte_offset))
            for p in problems
        ],
    )


#: bytes that end or interrupt a frame (ETX, ETB) or the session (STX, EOT, ENQ)
_LINK_BYTES = re.compile(rb"[\x02\x03\x04\x05\x17]")


def _frozen_clock() -> float:
    return 0.0


def _resend_of(rejected: FrameRejected, later: list[object]) -> FrameAccepted | None:
    """The frame a sender sent again after ``rejected`` was NAKed, when the capture holds it: the
    next frame, accepted and new, with the rejected frame's number - on a live link the receiver
    uses it, so replay does. A rejected frame followed by others (its resend missing: frames
    realign after eight) is None: the message's joined text has a gap."""
    following = next((e for e in later if isinstance(e, FrameAccepted | FrameRejected)), None)
    if (
        isinstance(following, FrameAccepted)
        and not following.duplicate
        and rejected.number == following.number
    ):
        return following
    return None


def read_capture(
    profile: DeviceProfile, data: bytes, counter: ToleranceCounter
) -> Iterator[CapturedMessage | Quarantine]:
    """Yield messages (and problems found while framing) in file order."""
    dev = profile.device_id
    if profile.protocol == "astm":
        if b"\x02" not in data:
            if not re.search(rb"(?:^|[\r\n])H", data):  # no message at all: another protocol's capture
                detail = f"no H record in {len(data)} bytes, and no STX frame (is the capture ASTM, and --protocol right?)"
                yield Quarantine("bytes_outside_message", data, 0, dev, detail)
                return
            for off, raw in split_messages(data):
                yield CapturedMessage(raw, off)
            return
        receiver = AstmReceiver(profile, _frozen_clock, counter=counter)
        receiver.receive_data(b"\x05")
        receiver.receive_data(data)
        events = list(iter(receiver.next_event, None))
        cut: Quarantine | None = None
        frames = receiver.frames_of_unfinished_message
        if frames:
            # The capture stops inside a message (no L record's frame, no EOT): the gateway
            # discards such a partial message when its link closes, so replay does not use it
            # either - before, the session-ending EOT added below made it a "preliminary" one.
            receiver.link_lost("end of capture")
            partial = next(e.data for e in iter(receiver.next_event, None) if isinstance(e, MessageDiscarded))
            cut = Quarantine(
                "incomplete_message",
                partial,
                None,
                dev,
                f"the capture ends after {counted(frames, 'frames')} of a message, without its L record or an "
                "EOT: the file is cut short, so the message is not used (a device that sends no L "
                "record ends its messages with EOT: capture that too, and turn on the profile "
                "switch missing_l_record)",
            )
        receiver.receive_data(b"\x04")
        events += iter(receiver.next_event, None)
        tainted: str | None = None
        # no frame of the capture accepted, and its first not frame 1, with which every transfer
        # starts (LIS01-A2 6.3.2.1): another device's capture (a SPOTCHEM's STX ... ETX, whose
        # date's first digit reads as a frame number), so each refusal asks that
        first_frame = next((e for e in events if isinstance(e, FrameAccepted | FrameRejected)), None)
        no_frame = (
            isinstance(first_frame, FrameRejected)
            and first_frame.number not in (None, 1)
            and not any(isinstance(e, FrameAccepted) for e in events)
        )
        for index, event in enumerate(events):
            if isinstance(event, FrameRejected):
                where = max(event.offset - 1, 0)
                reason = event.reason
                if reason.startswith("frame interrupted") and _LINK_BYTES.search(data, where + 1) is None:
                    after = data[where + 1 : where + 2]
                    if after and after not in b"01234567":  # no frame number either: not ASTM?
                        reason = (
                            "no ETX/ETB after this STX up to the end of the capture, and the byte after "
                            f"it ({json_text(after.decode('latin-1'))}) is no frame number (0-7): is the "
                            "capture ASTM (check --protocol and --profile)?"
                        )
                    else:
                        reason = "the capture ends inside this frame (no ETX/ETB): the file is cut short"
                if event.number is not None and not reason.startswith("frame number"):
                    reason = f"frame {event.number}: {reason}"
                if no_frame and "is the capture ASTM" not in reason:
                    reason += "; no frame of the capture is a valid ASTM frame: is the capture ASTM (check --protocol and --profile)?"
                resend = _resend_of(event, events[index + 1 :])
                if resend is not None:  # the device sent it again after the NAK, as on the live link
                    reason += (
                        f"; the capture holds its resend (byte {max(resend.offset - 1, 0)}), which is used"
                    )
                yield Quarantine("bad_frame", data[where : where + 64], where, dev, reason)
                if resend is None:
                    tainted = tainted or f"frame at byte {where} was rejected ({reason})"
            elif isinstance(event, MessageReceived):
                # where its frames' texts start in the file: the receiver counted the synthetic ENQ
                pieces = tuple((at, byte - 1) for at, byte in event.pieces)
                start = pieces[0][1] - 2 if pieces else max(event.offset - 1, 0)
                if tainted is not None:
                    # On a link the sender would resend the frame; a capture cannot, and frame
                    # numbers realign after 8 frames, so the joined text is not trustworthy.
                    detail = f"message not used: {tainted} and the capture has no resend of it"
                    yield Quarantine("incomplete_message", event.data, start, dev, detail)
                    tainted = None
                else:
                    yield CapturedMessage(event.data, start, event.complete, pieces)
            elif isinstance(event, MessageDiscarded):
                yield Quarantine("incomplete_message", event.data, None, dev, event.reason)
        if cut is not None:
            yield cut
        return
    if profile.protocol == "hl7":
        if bytes([profile.hl7.start_byte]) in data:
            decoder = MllpDecoder(profile.hl7.start_byte, bytes.fromhex(profile.hl7.end_bytes))
            for ev in decoder.feed(data):
                if isinstance(ev, MllpMessage):
                    yield CapturedMessage(ev.data, ev.offset + 1)
                elif isinstance(ev, MllpJunk):
                    yield Quarantine(
                        "bytes_outside_frame", ev.data, ev.offset, dev, "bytes outside an MLLP frame"
                    )
                elif isinstance(ev, MllpOverflow):  # its rest (MllpOverflowRest) is not kept: it says so
                    yield Quarantine("oversized_frame", ev.head, ev.offset, dev, ev.said(decoder.end))
            if decoder.buffered:
                yield Quarantine("incomplete_message", b"", None, dev, "capture ends inside an MLLP frame")
            return
        starts = [m.start() for m in re.finditer(rb"(?:^|[\r\n])MSH", data)]
        starts = [s if data[s : s + 3] == b"MSH" else s + 1 for s in starts]
        first = starts[0] if starts else len(data)
        if data[:first].strip():  # an ASTM capture replayed as HL7 was a traceback
            yield Quarantine(
                "bytes_outside_message",
                data[:first],
                0,
                dev,
                (
                    f"{first} bytes before the first MSH segment"
                    if starts
                    else f"no MSH segment in {first} bytes"
                )
                + f", and no MLLP start byte {profile.hl7.start_byte:02x} (is the capture HL7, and --protocol right?)",
            )
        for s, e in zip(starts, [*starts[1:], len(data)][: len(starts)], strict=True):
            raw = data[s:e].rstrip(b"\r\n") + b"\r"
            yield CapturedMessage(raw, s)
        return
    if profile.protocol == "poct1a":
        poct = Poct1aFramer(profile.poct1a.max_message_size)
        items = poct.feed(data)
        outside = "bytes outside a POCT1-A2 message"
        if not poct.buffered and not any(isinstance(item, Poct1aFrame) for item in items):
            outside += (
                ", and no POCT1-A2 message in the capture (is the capture POCT1-A2, and --protocol right?)"
            )
        for item in items:
            if isinstance(item, Poct1aFrame):
                yield CapturedMessage(item.data, item.offset)
            elif isinstance(item, Poct1aJunk):
                yield Quarantine("bytes_outside_message", item.data, item.offset, dev, item.reason or outside)
            else:  # the limit's worth, as the gateway keeps it
                yield Quarantine("oversized_message", item.head, item.offset, dev, item.said())
        if poct.buffered:
            yield Quarantine("incomplete_message", b"", None, dev, "capture ends inside a POCT1-A2 message")
        return
    if profile.protocol == "ble":
        for record in read_records(data):
            if isinstance(record, AssembledRecord):
                # each line placed in the file: a context's need not follow its measurement's
                yield CapturedMessage(record.raw, record.offset, pieces=record.pieces)
            elif isinstance(record, GattBadLine):
                yield Quarantine("unreadable_line", record.raw, record.offset, dev, record.reason)
            elif isinstance(record, GattFailure):
                continue  # the link's report of a refused GATT operation: no data
            else:
                yield Quarantine("stray_value", record.raw, record.offset, dev, record.reason)
        return
    assert profile.line_grammar is not None
    framer = LineFramer(profile.line_grammar)
    for unit, off in [*framer.feed(data), *framer.flush()]:
        yield CapturedMessage(unit, off)
