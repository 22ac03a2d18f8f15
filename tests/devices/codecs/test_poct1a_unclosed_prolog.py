"""A POCT1-A2 prolog item never closed (``<?xml ...`` without ``?>``) no longer takes the messages
behind it.

What was wrong: the framer read a prolog item up to the first ``?>`` (``-->``, ``>``) it found,
wherever that was. An XML declaration without its ``?>`` so ran into the next message's
declaration: the two messages were framed as one, refused with the first one's control id, and
the second - complete and valid - was never acknowledged; with no ``?>`` behind it the framer
held everything until the size limit, then cut the whole buffer, the messages in it too. A
comment between messages without its ``-->`` held every later byte for ever, the limit unchecked.

Now an item ends where a message begins before its close: a new XML declaration (the item is
junk, said so with its byte) or the start tag of a POCT1-A2 message type (the item is that
message's prolog: the message is framed with it, and ``parse_message`` refuses it naming the item,
its byte and the root's). A prolog with no root within the size limit is cut there, the limit's
worth reported, and the bytes after it are read on. A new message's XML declaration also ends a
message abandoned before its end tag (which the next message's end tag closed: both refused as
one). Real bytes through the real framer and parser, in one read and a byte a read."""

from __future__ import annotations

import pytest

from devices import simulated_poct1a
from devices.codecs.poct1a import (
    Poct1aError,
    parse_message,
)
from devices.codecs.poct1a_framing import Poct1aEvent, Poct1aFrame, Poct1aFramer, Poct1aJunk, Poct1aOverflow

LIMIT = 1024
HELLO = simulated_poct1a.hello("1")
STATUS = simulated_poct1a.status("2", 1)
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
UNCLOSED = HELLO.replace(b"?>", b"", 1)  # the hello's declaration without its ?>
BARE_STATUS = STATUS.removeprefix(DECLARATION)  # no prolog at all


def _joined(events: list[Poct1aEvent]) -> list[Poct1aEvent]:
    """Adjacent stray bytes as one junk event: a read's stray bytes are reported with that read."""
    out: list[Poct1aEvent] = []
    for e in events:
        last = out[-1] if out else None
        if isinstance(e, Poct1aJunk) and isinstance(last, Poct1aJunk) and not e.reason and not last.reason:
            out[-1] = Poct1aJunk(last.data + e.data, last.offset)
        else:
            out.append(e)
    return out


def _both_ways(stream: bytes) -> list[Poct1aEvent]:
    """The events of ``stream`` in one read, checked to be those of a byte a read."""
    whole = _joined(Poct1aFramer(LIMIT).feed(stream))
    framer = Poct1aFramer(LIMIT)
    assert _joined([e for i in range(len(stream)) for e in framer.feed(stream[i : i + 1])]) == whole
    assert framer.buffered == 0
    return whole


@pytest.mark.parametrize("after", [STATUS, BARE_STATUS], ids=["declared", "no prolog"])
def test_a_declaration_without_its_end_is_its_message_s_and_the_next_message_frames(after: bytes) -> None:
    assert STATUS.startswith(DECLARATION) and UNCLOSED.startswith(DECLARATION[:-2] + b"<HEL.R01>")
    assert _both_ways(UNCLOSED + after) == [Poct1aFrame(UNCLOSED, 0), Poct1aFrame(after, len(UNCLOSED))]
    with pytest.raises(Poct1aError) as refused:
        parse_message(UNCLOSED)
    assert (
        str(refused.value)
        == "byte 0: the XML declaration at byte 0 is not closed by ?> before <HEL.R01 at byte 36"
    )
    assert parse_message(after).control_id == "2"


def test_a_declaration_cut_short_by_the_next_one_is_junk_said_so() -> None:
    stream = b"<?xml vers" + STATUS
    junk = Poct1aJunk(
        b"<?xml vers",
        0,
        "a POCT1-A2 message begun again: the XML declaration at byte 0 is not closed by ?> before the XML "
        "declaration at byte 10",
    )
    assert _both_ways(stream) == [junk, Poct1aFrame(STATUS, 10)]


def test_an_unclosed_comment_between_messages_no_longer_holds_every_later_byte() -> None:
    stream = b"<!-- shift 2" + STATUS + STATUS
    events = _both_ways(stream)
    assert [type(e) for e in events] == [Poct1aJunk, Poct1aFrame, Poct1aFrame]
    assert [e.offset for e in events] == [0, 12, 12 + len(STATUS)]
    assert "the comment at byte 0 is not closed by --> before the XML declaration at byte 12" in str(
        events[0]
    )
    # before a message without a prolog it is that message's, refused naming it
    (only,) = _both_ways(b"<!-- shift 2" + BARE_STATUS)
    with pytest.raises(Poct1aError) as refused:
        parse_message(getattr(only, "data", b""))
    assert "the comment at byte 0 is not closed by --> before <DST.R01 at byte 12" in str(refused.value)


def test_a_prolog_with_no_root_within_the_limit_is_cut_there_and_what_follows_is_read() -> None:
    prolog = b'<?xml version="1.0" ' + b"x" * (2 * LIMIT)
    events = _both_ways(prolog + STATUS)
    assert events[0] == Poct1aOverflow("prolog", LIMIT, 0, prolog[:LIMIT])
    assert "without a root element within the size limit of 1024 bytes" in events[0].said()
    assert events[1:] == [Poct1aJunk(prolog[LIMIT:], LIMIT), Poct1aFrame(STATUS, len(prolog))]
    # an unclosed comment between messages meets the limit too (it held every byte, unchecked)
    framer = Poct1aFramer(LIMIT)
    assert framer.feed(b"<!-- " + b"x" * LIMIT) == []
    assert framer.feed(b"x" * 16)[0] == Poct1aOverflow("prolog", LIMIT, 0, b"<!-- " + b"x" * (LIMIT - 5))


def test_closed_prolog_items_before_a_root_frame_as_before() -> None:
    commented = DECLARATION + b"<!-- a <note> -->\r\n" + BARE_STATUS
    assert _both_ways(commented) == [Poct1aFrame(commented, 0)]
    assert parse_message(commented).message_type == "DST.R01"


def test_a_message_begun_again_before_its_end_tag_is_junk_and_the_new_one_frames() -> None:
    """A message abandoned half-sent (a serial device that starts again): the next message's end
    tag closed it, so both were framed as one and refused with the first's control id."""
    abandoned = STATUS[:-40]
    junk = Poct1aJunk(
        abandoned,
        0,
        f"POCT1-A2 message DST.R01 at byte 0 without its end tag before the XML declaration at byte "
        f"{len(abandoned)} (a message begun again): not acknowledged, the device still owns it",
    )
    assert _both_ways(abandoned + HELLO) == [junk, Poct1aFrame(HELLO, len(abandoned))]
