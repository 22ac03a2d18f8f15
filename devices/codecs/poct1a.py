"""CLSI POCT1-A2 device messaging (DML): XML messages over TCP, sans-IO.

* :class:`Poct1aFramer` cuts a byte stream (any chunking, several messages per read) into
  messages. A message is an optional prolog (``<?xml ...?>``, comments) and one root element; it
  ends with the root's end tag (``</OBS.R01>``). Whitespace and comments between messages are
  skipped; other bytes outside a message are reported as junk with their stream offset, never
  dropped silently. A message over ``max_size`` bytes is dropped up to its end tag.
* :func:`parse_message` parses one message with the stdlib's expat parser, safely: a DOCTYPE (and
  so any entity declaration, internal or external) is refused, as defusedxml's ``forbid_dtd``
  does, so no entity is ever expanded or fetched. Errors are :class:`Poct1aError` (a
  :class:`CodecError`) naming the byte offset in the message.
* Every value sits in a ``V`` attribute (``<HDR.control_id V="00017"/>``); units in ``U``.
* :func:`build_ack`, :func:`build_request_observations`, :func:`build_directive` and
  :func:`build_end` write the host's replies; operator lists (``OPL.R01``, ``EOT.R01``) are
  built in :mod:`devices.codecs.poct1a_operators`.

Results (``OBS.R01`` patient, ``OBS.R02`` QC/calibration) are decoded in
:mod:`devices.codecs.poct1a_results`; the conversation is run by
:class:`devices.poct1a_conversation.Poct1aDriver`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from devices.errors import CodecError
from referral.errors import json_text

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
OBSERVATION_TYPES = frozenset({"OBS.R01", "OBS.R02"})
VERSION = "POCT1"

_ROOT_NAME = re.compile(rb"<([A-Za-z_][A-Za-z0-9_.\-]*)")
_SPACE = re.compile(rb"\s+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._\-]{1,40})[\"']")
_CONTROL_ID = re.compile(rb"<HDR\.control_id\s+V\s*=\s*([\"'])([^\"'<>]{0,64})\1")
#: Counts the host reads (:mod:`devices.poct1a_conversation`), with what each counts: when sent,
#: each is a whole number - ``inf``, ``nan``, ``1e999``, ``-1`` or ``2.5`` is no count (read as a
#: number, the first three ended the connection; the message is refused naming the element).
COUNTS = {
    "DSC.max_message_sz": "the largest message the device takes, in bytes",
    "DST.new_observations_qty": "the observations the device holds",
}
_WHOLE_NUMBER = re.compile(r"[0-9]+")


# ------------------------------------------------------------------ framing


@dataclass(frozen=True, slots=True)
class Poct1aFrame:
    """One complete message: prolog and root element, as received."""

    data: bytes
    offset: int  # stream offset of the message's first byte


@dataclass(frozen=True, slots=True)
class Poct1aJunk:
    """Bytes outside any message (not whitespace)."""

    data: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class Poct1aOverflow:
    """A message longer than ``max_size`` (``size``) to its root's end tag - whether that came in the
    same read or not: cut there, ``head`` its first ``size`` bytes, kept to be quarantined (what the
    device sent); the rest is dropped up to that end tag (or is still being dropped)."""

    root: str
    size: int
    offset: int
    head: bytes = b""

    def said(self) -> str:
        """Why it was cut, in the words its quarantine keeps."""
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


class Poct1aFramer:
    """Incremental message framer. ``feed(data)`` returns the events completed by ``data``."""

    def __init__(self, max_size: int = 1024 * 1024) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._offset = 0  # stream offset of _buf[0]
        #: the end tag of a message cut at the size limit, whose rest is being dropped
        self._skipping: re.Pattern[bytes] | None = None
        # the last thing read was junk: whitespace right after it is more of it (a CR/LF read
        # alone inside a run of stray bytes), as in MllpDecoder
        self._after_junk = False

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete message held (discarded by :meth:`reset`)."""
        return len(self._buf)

    @property
    def unfinished(self) -> tuple[int, int] | None:
        """(stream offset, size) of an incomplete message held, if any (whitespace is none)."""
        return (self._offset, len(self._buf)) if self._buf.strip() else None

    def reset(self) -> None:
        """Forget a partial message (the conversation timed out)."""
        self._offset += len(self._buf)
        self._buf.clear()
        self._skipping = None
        self._after_junk = False

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        self._offset += n
        return data

    def feed(self, data: bytes) -> list[Poct1aEvent]:
        self._buf += data
        events: list[Poct1aEvent] = []
        while self._buf:
            if self._skipping is not None:
                end_tag = self._skipping
                m = end_tag.search(self._buf)
                if m is None:
                    keep = 64  # an end tag may straddle reads
                    drop = max(0, len(self._buf) - keep)
                    self._take(drop)
                    break
                self._take(m.end())  # the rest of a message cut at the limit (its head reported)
                self._skipping = None
                self._after_junk = False
                continue
            space = _SPACE.match(self._buf)
            if space is not None:
                offset = self._offset
                taken = self._take(space.end())
                if self._after_junk:  # so the run of stray bytes is reported whole, not cut in two
                    events.append(Poct1aJunk(taken, offset))
                continue
            if self._buf.startswith(b"<!--"):  # a comment between messages is no data
                end = self._buf.find(b"-->", 4)
                if end == -1:
                    break
                self._take(end + 3)
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

    def _message(self) -> Poct1aEvent | None:
        """The message at the start of the buffer, or None if more bytes are needed."""
        buf = self._buf
        i = 0
        while buf.startswith(b"<?", i) or buf.startswith(b"<!", i):
            end = _prolog_end(buf, i)
            if end is None:
                return self._too_big("prolog")
            i = end
            while i < len(buf) and buf[i : i + 1].isspace():
                i += 1
        if i >= len(buf) - 1:
            return self._too_big("prolog")
        m = _ROOT_NAME.match(buf, i)
        offset = self._offset
        if m is None:  # '</x>' or '<' + garbage: junk up to the next '<'
            nxt = buf.find(b"<", i + 1)
            if nxt == -1:
                return None if len(buf) < 256 else Poct1aJunk(self._take(len(buf)), offset)
            return Poct1aJunk(self._take(nxt), offset)
        if m.end() == len(buf):
            return None  # the name may go on
        root = m.group(1).decode("ascii")
        tag_end = buf.find(b">", m.end())
        if tag_end == -1:
            return self._too_big(root)
        if buf[tag_end - 1] == ord("/"):  # <ROOT .../>
            return Poct1aFrame(self._take(tag_end + 1), offset)
        end_tag = _end_tag(m.group(1))
        close = end_tag.search(buf, tag_end + 1)
        if close is None:
            if len(buf) <= self.max_size:
                return None
            cut = self._cut(root)
            size = len(buf) - 64  # keep a tail: the end tag may straddle reads
            self._take(size)
            self._skipping = end_tag
            return cut
        if close.end() > self.max_size:  # the limit is the message's, whatever the reads brought
            cut = self._cut(root)
            self._take(close.end())
            return cut
        return Poct1aFrame(self._take(close.end()), offset)

    def _cut(self, what: str) -> Poct1aOverflow:
        """The message at the start of the buffer, over the limit: its first ``max_size`` bytes."""
        return Poct1aOverflow(what, self.max_size, self._offset, bytes(self._buf[: self.max_size]))

    def _too_big(self, what: str) -> Poct1aEvent | None:
        if len(self._buf) <= self.max_size:
            return None
        cut = self._cut(what)
        self._take(len(self._buf))
        return cut


# ------------------------------------------------------------------ parsing


@dataclass(slots=True)
class Element:
    """One XML element with the byte offset of its start tag in the message."""

    tag: str
    attrs: dict[str, str]
    offset: int
    children: list[Element] = field(default_factory=list)

    def child(self, tag: str) -> Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Element]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str, attr: str = "V") -> str | None:
        """The ``V`` (or ``attr``) attribute of the first child named ``tag``, stripped; None if
        the child or the attribute is absent."""
        c = self.child(tag)
        if c is None or attr not in c.attrs:
            return None
        return c.attrs[attr].strip()

    def walk(self) -> Iterator[Element]:
        """This element and all below it, in document order (no recursion: nesting depth is
        the sender's choice)."""
        stack = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed(element.children))


@dataclass(frozen=True, slots=True)
class Poct1aMessage:
    message_type: str  # the root element, e.g. OBS.R01
    control_id: str  # HDR.control_id
    version: str | None  # HDR.version_id, normally POCT1
    created: str | None  # HDR.creation_dttm as sent
    root: Element

    def value(self, path: str) -> str | None:
        """``V`` of a dotted path of children below the root: ``"DST/DST.new_observations_qty"``."""
        *parents, leaf = path.split("/")
        node: Element | None = self.root
        for name in parents:
            node = node.child(name) if node is not None else None
        return node.value(leaf) if node is not None else None


class Poct1aError(CodecError):
    """A message that is not a usable POCT1-A2 message; ``offset`` is the byte in the message."""

    def __init__(self, offset: int, what: str) -> None:
        super().__init__(f"byte {offset}: {what}")
        self.offset = offset


class _Refused(Exception):
    def __init__(self, what: str, offset: int | None = None) -> None:
        super().__init__(what)
        self.offset = offset


def parse_xml(raw: bytes) -> Element:
    """Parse one XML document into :class:`Element` (attributes and structure; character data
    is ignored - POCT1-A2 carries values in attributes). DOCTYPE, entity declarations and
    external entities are refused. Raises :class:`Poct1aError` with the byte offset."""
    parser = expat.ParserCreate()
    stack: list[Element] = []
    top: list[Element] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag, attrs, parser.CurrentByteIndex)
        if stack:
            stack[-1].children.append(element)
        else:
            top.append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def doctype(*_: object) -> None:
        at = raw.find(b"<!DOCTYPE")
        what = "a DOCTYPE declaration is not allowed (no DTDs or entities in POCT1-A2)"
        raise _Refused(what, at if at >= 0 else None)

    def entity(*_: object) -> None:
        raise _Refused("entity declarations are not allowed")

    def external(*_: object) -> int:
        raise _Refused("external entities are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(raw, True)
    except _Refused as exc:
        offset = exc.offset if exc.offset is not None else parser.CurrentByteIndex
        raise Poct1aError(max(offset, 0), str(exc)) from None
    except expat.ExpatError as exc:
        raise Poct1aError(
            max(parser.ErrorByteIndex, 0), f"malformed XML: {expat.ErrorString(exc.code)}"
        ) from None
    except LookupError as exc:  # <?xml encoding="..."?> names a codec Python does not have
        raise Poct1aError(0, f"the XML declaration names an unknown character encoding ({exc})") from None
    except ValueError:  # expat reads UTF-8, UTF-16 and single-byte sets; GB 18030, Big5... raised
        named = _DECLARED_ENCODING.search(raw[:200])
        which = json_text(named[1].decode("ascii")) if named else "a multi-byte character encoding"
        raise Poct1aError(
            0,
            f"the XML declaration names {which}, a multi-byte character encoding the POCT1-A2 reader"
            " does not take (UTF-8, UTF-16 and single-byte sets only): set the device to send UTF-8",
        ) from None
    if not top:
        raise Poct1aError(0, "no XML element in the message")
    return top[0]


def parse_message(raw: bytes) -> Poct1aMessage:
    """Parse and check one framed message: well-formed XML, a known message type as root,
    ``HDR.control_id``, and the :data:`COUNTS` whole numbers. Raises :class:`Poct1aError` naming
    what is wrong and where."""
    root = parse_xml(raw)
    if root.tag not in MESSAGE_TYPES:
        known = ", ".join(sorted(MESSAGE_TYPES))
        raise Poct1aError(
            root.offset, f"unknown POCT1-A2 message type {json_text(root.tag)} (known: {known})"
        )
    hdr = root.child("HDR")
    if hdr is None:
        raise Poct1aError(root.offset, f"{root.tag} has no HDR element")
    control_id = hdr.value("HDR.control_id")
    if not control_id:
        raise Poct1aError(hdr.offset, f"{root.tag} HDR has no HDR.control_id V=... (or it is empty)")
    declared = hdr.value("HDR.message_type")
    if declared and declared != root.tag:
        raise Poct1aError(
            hdr.offset,
            f"HDR.message_type {json_text(declared)} does not match the root element {json_text(root.tag)}",
        )
    for element in root.walk():
        count = element.attrs.get("V", "").strip() if element.tag in COUNTS else ""
        if count and not _WHOLE_NUMBER.fullmatch(count):
            raise Poct1aError(
                element.offset,
                f"{element.tag} {json_text(count)} is not a whole number ({COUNTS[element.tag]})",
            )
    return Poct1aMessage(
        root.tag, control_id, hdr.value("HDR.version_id"), hdr.value("HDR.creation_dttm"), root
    )


def recover_control_id(raw: bytes) -> str | None:
    """``HDR.control_id`` read from the bytes of a message that did not parse, so a negative
    acknowledgement can still name it; None if it cannot be found."""
    m = _CONTROL_ID.search(raw)
    return m.group(2).decode("utf-8", "replace").strip() or None if m else None


def parse_time(text: str | None) -> datetime | None:
    """A POCT1-A2 timestamp ``YYYY-MM-DDThh:mm:ss[.fff]±hh:mm`` (or ``Z``). The offset is kept;
    a timestamp without one is returned naive (the caller applies the device's zone). Raises
    ValueError for anything else."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a POCT1-A2 timestamp (YYYY-MM-DDThh:mm:ss+hh:mm): {json_text(text)}") from None


# ------------------------------------------------------------------ building the host's messages


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


def _attr(text: str) -> str:
    """A quoted, escaped attribute value; characters XML 1.0 does not allow (C0 controls other
    than tab, LF, CR; U+FFFE, U+FFFF; lone surrogates) become U+FFFD."""
    return quoteattr(_NOT_XML.sub("\ufffd", text))


def v_element(tag: str, value: str, **attrs: str) -> str:
    """``<tag V="value" .../>`` with the values XML-escaped."""
    extra = "".join(f" {name}={_attr(text)}" for name, text in attrs.items())
    return f"<{tag} V={_attr(value)}{extra}/>"


def build_message(message_type: str, control_id: str, body: str, now: datetime | None = None) -> bytes:
    """``<?xml?>`` prolog, root ``message_type``, its HDR, then ``body`` (already XML), UTF-8."""
    header = (
        "<HDR>"
        + v_element("HDR.message_type", message_type)
        + v_element("HDR.control_id", control_id)
        + v_element("HDR.version_id", VERSION)
        + v_element("HDR.creation_dttm", _stamp(now))
        + "</HDR>"
    )
    text = f'<?xml version="1.0" encoding="UTF-8"?><{message_type}>{header}{body}</{message_type}>'
    return text.encode("utf-8")


def build_ack(
    control_id: str, acked_control_id: str, code: str = "AA", *, note: str = "", now: datetime | None = None
) -> bytes:
    """``ACK.R01``: ``ACK.type_cd`` AA (accepted) or AE (error, with ``ACK.note_txt``) and
    ``ACK.ack_control_id`` echoing the acknowledged message's ``HDR.control_id``."""
    if code not in ("AA", "AE"):
        raise ValueError(f"ACK.type_cd must be AA or AE, got {code!r}")
    body = v_element("ACK.type_cd", code) + v_element("ACK.ack_control_id", acked_control_id)
    if note:
        body += v_element("ACK.note_txt", note)
    return build_message("ACK.R01", control_id, f"<ACK>{body}</ACK>", now)


def build_request_observations(control_id: str, *, now: datetime | None = None) -> bytes:
    """``REQ.R01`` with ``REQ.request_cd`` ROBS: send the observations you hold."""
    return build_message("REQ.R01", control_id, "<REQ>" + v_element("REQ.request_cd", "ROBS") + "</REQ>", now)


def build_directive(control_id: str, command: str, *, now: datetime | None = None) -> bytes:
    """``DTV.R01``: a directive without data, e.g. START_CONTINUOUS."""
    return build_message(
        "DTV.R01", control_id, "<DTV>" + v_element("DTV.command_cd", command) + "</DTV>", now
    )


def build_end(control_id: str, reason: str = "NRM", *, now: datetime | None = None) -> bytes:
    """``END.R01`` with ``TRM.reason_cd`` (NRM: normal end); no TRM when ``reason`` is empty."""
    body = "<TRM>" + v_element("TRM.reason_cd", reason) + "</TRM>" if reason else ""
    return build_message("END.R01", control_id, body, now)
