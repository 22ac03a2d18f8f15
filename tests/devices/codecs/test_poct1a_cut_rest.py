"""The rest of a POCT1-A2 message cut at the size limit: its end tag found however the reads split
it, nothing after it lost, and a link lost (or a timeout) before it said as that message's rest.

What was wrong, two ways:

* While the rest was dropped, the framer kept only the last 64 bytes of each read to find the end
  tag in. XML allows whitespace before its ``>`` (``</OBS.R01   >``), and a root name may be long:
  an end tag longer than that, split across reads, was never found, so the next message's end
  tag ended the drop - that message lost unseen.
* A link lost (or the application timeout) during the drop was reported as a new unfinished
  message: ``link lost inside the POCT1-A2 message at byte N (64 bytes, no end tag yet)``, N a
  byte inside the cut message and 64 the tail kept - where the message at its true byte was
  already quarantined, cut.

A cut message abandoned before its end tag (the device began again) had its rest dropped up to
the next message's end tag, that message lost unseen.

Now only the bytes that may begin the end tag (or a new message's XML declaration, which ends the
rest too) are kept - ``</OBS.R01`` and one byte of any whitespace after it -, and the driver says
the rest of which message was dropped and why."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from devices import simulated_poct1a
from devices.codecs.poct1a_framing import Poct1aEvent, Poct1aFrame, Poct1aFramer, Poct1aOverflow
from devices.poct1a_conversation import Poct1aDriver
from devices.profile import load_profile
from devices.session import Discarded, Junk, Received, Send
from devices.simulated_results import SimulatedResult, SimulatedSample
from tests.devices.codecs.test_poct1a import WHEN
from tests.devices.codecs.test_poct1a_unclosed_prolog import _joined

LIMIT = 1024
_PROFILE = load_profile("poct1a-glucose_meter")
PROFILE = _PROFILE.model_copy(
    update={"poct1a": _PROFILE.poct1a.model_copy(update={"max_message_size": LIMIT})}
)
HELLO = simulated_poct1a.hello("1")
GOOD = simulated_poct1a.observation(
    SimulatedSample("SIM-P1", "S3", WHEN, (SimulatedResult("Glu", "5.8", "mmol/L"),)), "3"
)
NOTE = b'<NTE><NTE.text V="' + b"n" * (2 * LIMIT) + b'"/></NTE>'


def _big(space: bytes = b"", root: bytes = b"OBS.R01") -> bytes:
    """A message 2 KiB over the limit whose end tag holds ``space`` before its ``>``."""
    return b"<" + root + b"><HDR/>" + NOTE + b"</" + root + space + b">"


def _fed(framer: Poct1aFramer, stream: bytes, points: list[int]) -> list[Poct1aEvent]:
    cuts = [0, *sorted(points), len(stream)]
    return [e for a, b in itertools.pairwise(cuts) for e in framer.feed(stream[a:b])]


@settings(max_examples=150, deadline=None)
@given(
    st.text(" \t\r\n", max_size=150).map(str.encode),
    st.sampled_from([b"OBS.R01", b"X" * 90]),
    st.lists(st.integers(0, 100), max_size=6),
)
def test_the_end_tag_is_found_however_the_reads_split_it(
    space: bytes, root: bytes, near_end: list[int]
) -> None:
    big = _big(space, root)
    stream = big + GOOD
    tag = big.rindex(b"</")
    expected = [Poct1aOverflow(root.decode(), LIMIT, 0, big[:LIMIT]), Poct1aFrame(GOOD, len(big))]
    framer = Poct1aFramer(LIMIT)
    # reads that end inside the end tag (and so inside its whitespace), after the limit was passed
    assert _fed(framer, stream, [min(tag + n, len(big)) for n in near_end] + [LIMIT + 1]) == expected
    assert (framer.buffered, framer.dropping) == (0, None)


def test_an_end_tag_split_at_every_byte_loses_nothing_after_it() -> None:
    big = _big(b" " * 80)
    stream = big + GOOD
    expected = [Poct1aOverflow("OBS.R01", LIMIT, 0, big[:LIMIT]), Poct1aFrame(GOOD, len(big))]
    for at in range(LIMIT, len(stream)):
        assert _fed(Poct1aFramer(LIMIT), stream, [LIMIT + 1, at]) == expected, at


def test_a_cut_message_abandoned_before_its_end_tag_loses_not_the_next_one() -> None:
    """Its rest was dropped up to the next message's end tag: that message was lost unseen."""
    big = _big()[:-200]  # never ended: the device began again
    stream = big + GOOD
    expected = [Poct1aOverflow("OBS.R01", LIMIT, 0, big[:LIMIT]), Poct1aFrame(GOOD, len(big))]
    assert Poct1aFramer(LIMIT).feed(stream) == expected
    for at in range(len(big) - 10, len(big) + 10):  # the new declaration split across reads
        assert _fed(Poct1aFramer(LIMIT), stream, [LIMIT + 1, at]) == expected, at


def _cut_conversation() -> tuple[Poct1aDriver, int]:
    """A driver that has quarantined a cut message and is dropping its rest (no end tag yet)."""
    driver = Poct1aDriver(PROFILE)
    assert [type(e) for e in driver.feed(HELLO, 0.0)] == [Send]
    big = _big(b" " * 20)
    (junk,) = driver.feed(big[: big.rindex(b"</") + 5], 1.0)  # up to '</OBS' of its end tag
    assert isinstance(junk, Junk) and junk.offset == len(HELLO) and len(junk.raw) == LIMIT
    return driver, len(HELLO)


def _rest(at: int, why: str) -> Discarded:
    return Discarded(
        f"the rest of the POCT1-A2 message OBS.R01 at byte {at}, cut at the size limit of {LIMIT} bytes "
        f"(its first {LIMIT} bytes quarantined), dropped: {why}; not acknowledged, the device still owns it"
    )


def test_a_link_lost_during_the_drop_is_said_as_the_cut_message_s_rest() -> None:
    driver, at = _cut_conversation()
    assert driver.link_lost("closed by the device") == [
        _rest(at, "link lost (closed by the device) before its end tag")
    ]


def test_a_timeout_during_the_drop_says_so_and_the_next_message_is_read() -> None:
    driver, at = _cut_conversation()
    deadline = driver.next_deadline()
    assert deadline is not None
    events = driver.poll(deadline)
    assert events[0] == _rest(at, "no end tag within the application timeout of 60 s")
    # the conversation is over; a message sent afterwards is read whole, not taken for the rest
    events = driver.feed(GOOD, deadline + 1)
    assert [type(e) for e in events] == [Received, Send]


PARTS = [
    GOOD,
    GOOD.replace(b"</OBS.R01>", b"</OBS.R01" + b" \r\n" * 30 + b">"),  # within the limit
    _big(b" " * 70),
    _big()[:-200],  # cut, then abandoned
    GOOD[:-30],  # abandoned within the limit
    GOOD.replace(b"?>", b"", 1),  # its declaration never closed
    b"<?xml vers",
    b"<!-- a note",
    b"\r\n",
    b"noise",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(PARTS), min_size=1, max_size=6), st.lists(st.integers(0, 20_000), max_size=30)
)
def test_any_chunking_of_cut_abandoned_and_unclosed_messages_gives_the_same_events(
    parts: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(parts) + GOOD  # a good message last: whatever came before, it is read
    whole = Poct1aFramer(LIMIT).feed(stream)
    assert whole[-1] == Poct1aFrame(GOOD, len(stream) - len(GOOD))
    framer = Poct1aFramer(LIMIT)
    assert _joined(_fed(framer, stream, [c for c in cuts if c < len(stream)])) == _joined(whole)
    assert (framer.buffered, framer.dropping) == (0, None)
    small = Poct1aFramer(LIMIT)  # and a few bytes a read, as a serial port brings them
    assert _joined([e for i in range(0, len(stream), 7) for e in small.feed(stream[i : i + 7])]) == _joined(
        whole
    )
