"""CLSI POCT1-A2 device messaging (DML): XML messages over TCP, sans-IO.

* :class:`Poct1aFramer` (:mod:`devices.codecs.poct1a_framing`) cuts a byte stream into messages.
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
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from devices.codecs.poct1a_framing import MESSAGE_TYPES, unclosed_prolog
from devices.errors import CodecError
from referral.errors import json_text

OBSERVATION_TYPES = frozenset({"OBS.R01", "OBS.R02"})
VERSION = "POCT1"

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
    external entities are refused, and so is a prolog item not closed before the root element
    (:func:`unclosed_prolog`). Raises :class:`Poct1aError` with the byte offset."""
    if (unclosed := unclosed_prolog(raw)) is not None:
        raise Poct1aError(*unclosed)
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
