"""CLSI POCT1-A2 framing: a byte stream cut into messages, sans-IO (re-exported by
:mod:`devices.codecs.poct1a`, which parses and builds the messages).

* :class:`Poct1aFramer` cuts a byte stream (any chunking, several messages per read) into
  messages. A message is an optional prolog (``<?xml ...?>``, comments) and one root element; it
  ends with the root's end tag (``</OBS.R01>``). Whitespace and comments between messages are
  skipped; other bytes outside a message are reported as junk with their stream offset, never
  dropped silently. A message over ``max_size`` bytes is cut (its first ``max_size`` bytes
  reported) and dropped up to its end tag. A prolog item never closed (``<?xml ...`` without
  ``?>``) ends where a message begins: a new XML declaration (the item is junk) or the start tag of
  a message type (the item is that message's, which :func:`parse_message` refuses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Message types a POCT1-A2 device or host may send (the root element's name).
MESSAGE_TYPES = frozenset(
    {
        "ACK.R01",  # acknowledgement (both directions)
        "DST.R01",  # device status
        "DTV.R01",  # basic directive (host)
        "DTV.R02",  # directive with data, e.g. SET_TIME (host)
        "END.R01",  # end of conversation
        "EOT.R01",  # end of topic
        "ESC.R01",  # escape: the receiver could not handle a message
        "EVS.R01",  # device events
        "HEL.R01",  # hello: device identity and capabilities
        "KPA.R01",  # keep-alive
        "OBS.R01",  # patient observations
        "OBS.R02",  # non-patient observations (QC, calibration)
        "OPL.R01",  # operator list, complete: replaces the device's (host; codecs.poct1a_operators)
        "OPL.R02",  # operator list, incremental update (host)
        "REQ.R01",  # request (host), e.g. ROBS: send observations
    }
)

_ROOT_NAME = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.\-]*)")
_SPACE = re.compile(rb"\s+")


@dataclass(frozen=True, slots=True)
class Poct1aFrame:
    """One complete message: prolog and root element, as received."""

    data: bytes
    offset: int  # stream offset of the message's first byte


@dataclass(frozen=True, slots=True)
class Poct1aJunk:
    """Bytes outside any message (not whitespace); ``reason`` says more when more is known."""

    data: bytes
    offset: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Poct1aOverflow:
    """A message longer than ``max_size`` (``size``) to its root's end tag - whether that came in the
    same read or not: cut there, ``head`` its first ``size`` bytes, kept to be quarantined (what the
    device sent); the rest is dropped up to that end tag, or a new message's XML declaration (or is
    still being dropped). ``root`` "prolog": no root element began within the limit; the bytes
    after the head are read on."""

    root: str
    size: int
    offset: int
    head: bytes = b""

    def said(self) -> str:
        """Why it was cut, in the words its quarantine keeps."""
        if self.root == "prolog":  # no root element within the limit: what follows is read on
            return (
                f"POCT1-A2 message at byte {self.offset} without a root element within the size limit of "
                f"{self.size} bytes (profile [poct1a] max_message_size): its prolog cut, its first "
                f"{self.size} bytes kept here, the bytes after them read on; not acknowledged"
            )
        return (
            f"POCT1-A2 message {self.root} at byte {self.offset} over the size limit of {self.size} bytes "
            f"(profile [poct1a] max_message_size): cut, its first {self.size} bytes kept here, the rest up "
            "to its end tag not stored; not acknowledged (the device was sent nothing for it), so it may "
            "send it again"
        )


Poct1aEvent = Poct1aFrame | Poct1aJunk | Poct1aOverflow


@lru_cache(maxsize=64)
def _end_tag(name: bytes) -> re.Pattern[bytes]:
    return re.compile(b"</" + re.escape(name) + rb"\s*>")


#: A new message's XML declaration: inside a message, or a prolog item, never closed, it ends that.
_DECLARATION = re.compile(rb"<\?xml[\s?]")
_DECLARATION_SPAN = 6
#: Where a message begins again inside a prolog item never closed (``<?xml version="1.0"`` with no
#: ``?>``): a new XML declaration, or the start tag of a POCT1-A2 message type (group 1).
_BEGINS = re.compile(
    rb"<(?:\?xml[\s?]|(" + b"|".join(re.escape(t.encode()) for t in sorted(MESSAGE_TYPES)) + rb")[\s/>])"
)
_BEGINS_SPAN = max(len(t) for t in MESSAGE_TYPES) + 2  # the longest such beginning, in bytes


def _prolog_end(buf: bytes | bytearray, i: int) -> int | None:
    """End (exclusive) of the prolog item at ``buf[i]`` (``<?...?>``, ``<!--...-->``,
    ``<!DOCTYPE ... [ ... ]>``), or None if it is not complete yet."""
    if buf.startswith(b"<?", i):
        end = buf.find(b"?>", i + 2)
        return None if end == -1 else end + 2
    if buf.startswith(b"<!--", i):
        end = buf.find(b"-->", i + 4)
        return None if end == -1 else end + 3
    close = buf.find(b">", i)
    bracket = buf.find(b"[", i)
    if bracket != -1 and (close == -1 or bracket < close):  # internal subset: ends with ]>
        end = buf.find(b"]", bracket)
        close = -1 if end == -1 else buf.find(b">", end)
    return None if close == -1 else close + 1


def _unclosed(buf: bytes | bytearray, i: int) -> tuple[int | None, re.Match[bytes] | None]:
    """The end of the prolog item at ``buf[i]`` (None: not yet), and where a message begins before
    that end, if one does: the item was never closed (its end, if it comes, is a later message's)."""
    end = _prolog_end(buf, i)
    return end, _BEGINS.search(buf, i + 1, len(buf) if end is None else end)


def _item(buf: bytes | bytearray, i: int) -> tuple[str, str]:
    """What the prolog item at ``buf[i]`` is, and what closes it."""
    if buf.startswith(b"<!", i):
        return ("comment", "-->") if buf.startswith(b"<!--", i) else ("declaration", ">")
    return ("XML declaration" if _DECLARATION.match(buf, i) else "processing instruction"), "?>"


def unclosed_prolog(raw: bytes) -> tuple[int, str] | None:
    """(byte, what) of a prolog item of the message ``raw`` not closed before its root element."""
    i = 0
    while raw.startswith((b"<?", b"<!"), i):
        end, begins = _unclosed(raw, i)
        if begins is not None:
            what, close = _item(raw, i)
            at, root = begins.start(), raw[begins.start() : begins.end() - 1].decode("ascii")
            return i, f"the {what} at byte {i} is not closed by {close} before {root} at byte {at}"
        if end is None:
            return None
        i = end + len(raw[end:]) - len(raw[end:].lstrip())
    return None


def _may_begin(buf: bytes | bytearray, at: int, name: bytes) -> bool:
    """Whether ``buf[at:]`` may begin the end tag ``</name>`` (or ``</name  >``) or a new message's
    XML declaration, the next bytes to finish it (copying no more than such a beginning)."""
    head, n = b"</" + name, len(buf) - at
    if n <= len(head):
        return head.startswith(buf[at:]) or b"<?xml".startswith(buf[at : at + 6])
    return buf.startswith(head, at) and not buf[at + len(head) :].strip()


class Poct1aFramer:
    """Incremental message framer. ``feed(data)`` returns the events completed by ``data``."""

    def __init__(self, max_size: int = 1024 * 1024) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        #: the message cut at the size limit whose rest is being dropped up to its end tag
        self._cut: Poct1aOverflow | None = None
        #: where the search for the end of the message at the buffer's start goes on: no end tag
        #: nor XML declaration begins before it (each holds one '<', and begins there)
        self._scan = 0
        # the last thing read was junk: whitespace right after it is more of it (a CR/LF read
        # alone inside a run of stray bytes), as in MllpDecoder
        self._after_junk = False

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete message held (discarded by :meth:`reset`); none while the rest
        of a message cut at the limit is dropped (:attr:`dropping`)."""
        return 0 if self._cut is not None else len(self._buf)

    @property
    def unfinished(self) -> tuple[int, int] | None:
        """(stream offset, size) of an incomplete message held, if any (whitespace is none)."""
        return (self._offset, len(self._buf)) if self.buffered and self._buf.strip() else None

    @property
    def dropping(self) -> Poct1aOverflow | None:
        """The message cut at the size limit whose rest is still being dropped (no end tag yet)."""
        return self._cut

    def reset(self) -> None:
        """Forget a partial message (the conversation timed out)."""
        self._offset += len(self._buf)
        self._buf.clear()
        self._cut = None
        self._scan = 0
        self._after_junk = False

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        self._offset += n
        self._scan = 0
        return data

    def feed(self, data: bytes) -> list[Poct1aEvent]:
        self._buf += data
        events: list[Poct1aEvent] = []
        while self._buf:
            if self._cut is not None:
                if not self._drop_rest():
                    break
                continue
            space = _SPACE.match(self._buf)
            if space is not None:
                offset = self._offset
                taken = self._take(space.end())
                if self._after_junk:  # so the run of stray bytes is reported whole, not cut in two
                    events.append(Poct1aJunk(taken, offset))
                continue
            if self._buf.startswith(b"<!--"):  # a comment between messages is no data
                end, begins = _unclosed(self._buf, 0)
                if end is not None and begins is None:
                    self._take(end)
                    self._after_junk = False
                    continue
            if self._buf[0] != ord("<"):
                nxt = self._buf.find(b"<")
                offset = self._offset
                events.append(Poct1aJunk(self._take(len(self._buf) if nxt == -1 else nxt), offset))
                self._after_junk = True
                continue
            event = self._message()
            if event is None:
                break
            events.append(event)
            self._after_junk = isinstance(event, Poct1aJunk)
        return events

    def _drop_rest(self) -> bool:
        """Drop the rest of the message cut at the limit up to its end tag, or up to a new message's
        XML declaration (it was abandoned); True once either came. Of bytes without them, only those
        that may begin one are kept (``</OBS.R01`` and one byte of any whitespace after it: an end
        tag may straddle reads, however long)."""
        assert self._cut is not None
        name = self._cut.root.encode("ascii")
        ends = [m for m in (_end_tag(name).search(self._buf), _DECLARATION.search(self._buf)) if m]
        if ends:
            m = min(ends, key=lambda m: m.start())
            self._take(m.end() if m.re is not _DECLARATION else m.start())
            self._cut = None
            self._after_junk = False
            return True
        lt = self._buf.rfind(b"<")
        tail = (
            bytes(self._buf[lt : lt + len(name) + 3]) if lt != -1 and _may_begin(self._buf, lt, name) else b""
        )
        self._take(len(self._buf))
        self._buf += tail  # as the last bytes taken: the stream offset after the end tag stays right
        self._offset -= len(tail)
        return False

    def _message(self) -> Poct1aEvent | None:
        """The message at the start of the buffer, or None if more bytes are needed."""
        buf = self._buf
        offset = self._offset
        i = 0
        while buf.startswith(b"<?", i) or buf.startswith(b"<!", i):
            end, begins = _unclosed(buf, i)
            if begins is not None and begins.start() >= self.max_size:
                return self._over("prolog")  # the limit is the message's: its prolog alone is over it
            if begins is not None and begins.group(1) is None:
                # a new XML declaration: the item before it was never closed and begins no message
                what, closer = _item(buf, i)
                said = (
                    f"a POCT1-A2 message begun again: the {what} at byte {offset + i} is not closed by "
                    f"{closer} before the XML declaration at byte {offset + begins.start()}"
                )
                return Poct1aJunk(self._take(begins.start()), offset, said)
            if begins is not None:  # this message's root: refused with the item (unclosed_prolog)
                i = begins.start()
                break
            if end is None:  # the root begins after what the buffer holds less a beginning's span
                return self._over("prolog") if len(buf) - _BEGINS_SPAN >= self.max_size else None
            i = end
            while i < len(buf) and buf[i : i + 1].isspace():
                i += 1
        if i >= self.max_size:  # the limit is the message's: its prolog alone is over it
            return self._over("prolog")
        if i >= len(buf) - 1:
            return None
        m = _ROOT_NAME.match(buf, i)
        if m is None:  # '</x>' or '<' + garbage: junk up to the next '<'
            nxt = buf.find(b"<", i + 1)
            if nxt == -1:
                return None if len(buf) < 256 else Poct1aJunk(self._take(len(buf)), offset)
            return Poct1aJunk(self._take(nxt), offset)
        if m.end() == len(buf):
            return None  # the name may go on
        root = m.group(1).decode("ascii")
        tag_end = buf.find(b">", m.end())
        if tag_end != -1 and buf[tag_end - 1] == ord("/"):  # <ROOT .../>
            ends: int | None = tag_end + 1
        else:
            close = None if tag_end == -1 else _end_tag(m.group(1)).search(buf, max(tag_end + 1, self._scan))
            ends = None if close is None else close.end()
        again = _DECLARATION.search(buf, max(i + 1, self._scan), len(buf) if ends is None else ends)
        if again is not None:  # a new message began before this one ended: it was abandoned
            return self._abandoned(root, again.start())
        if ends is None:
            # cut once it cannot end, nor be abandoned, within the limit (whatever the reads)
            if len(buf) < self.max_size + _DECLARATION_SPAN:
                lt = buf.rfind(b"<", self._scan)  # a few bytes a read: each searched once, not per read
                self._scan = lt if lt != -1 and _may_begin(buf, lt, m.group(1)) else len(buf)
                return None
            cut = self._cut = self._over(root)
            self._take(m.end())  # its prolog and root name: the rest's end is searched after them
            self._drop_rest()
            return cut
        if ends > self.max_size:  # the limit is the message's, whatever the reads brought
            cut = self._over(root)
            self._take(ends)
            return cut
        return Poct1aFrame(self._take(ends), offset)

    def _abandoned(self, root: str, at: int) -> Poct1aEvent:
        """The message at the start of the buffer, its root ``root`` never ended: a new message's
        XML declaration came at ``at``. Junk said so - or, past the limit, cut as byte by byte."""
        offset = self._offset
        if at > self.max_size:
            cut = self._over(root)
            self._take(at)
            return cut
        said = (
            f"POCT1-A2 message {root} at byte {offset} without its end tag before the XML declaration at "
            f"byte {offset + at} (a message begun again): not acknowledged, the device still owns it"
        )
        return Poct1aJunk(self._take(at), offset, said)

    def _over(self, what: str) -> Poct1aOverflow:
        """The message at the start of the buffer, over the limit: its first ``max_size`` bytes
        (a prolog's taken: what follows is read on; a root's dropped by the caller)."""
        cut = Poct1aOverflow(what, self.max_size, self._offset, bytes(self._buf[: self.max_size]))
        if what == "prolog":
            self._take(self.max_size)
        return cut
