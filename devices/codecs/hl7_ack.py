"""HL7 v2.x acknowledgements: original and enhanced mode (MSH-15/MSH-16), the ACK of a message
and the error ACK of one that does not parse (MSA-3, ERR by the message's version). Parsing is in
:mod:`devices.codecs.hl7`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from devices.codecs.hl7 import (
    SEGMENT_SEQUENCE_ERROR,
    Encoding,
    Hl7Message,
    Hl7ParseError,
    Segment,
    escape,
    needs_ack,
)
from devices.codecs.hl7_charset import (
    CHARSETS,
    declared_charset,
    encode,
    msh_field_bytes,
    read_msh,
    stands_alone,
)
from devices.codecs.hl7_segments import held_after_unreadable, unreadable_segments
from devices.errors import SenderStateError
from devices.profile import DeviceProfile
from referral.plurals import counted


def uses_enhanced_mode(message: Hl7Message, profile: DeviceProfile) -> bool:
    """Enhanced acknowledgement mode when MSH-15 or MSH-16 is set (unless MSH-16 is Mindray's
    result kind, see the ``mindray_msh16_result_kind`` switch)."""
    msh16 = "" if profile.tolerance.mindray_msh16_result_kind else message.msh.raw(16).strip()
    return bool(message.msh.raw(15).strip() or msh16)


_ENHANCED = {"AA": "CA", "AE": "CE", "AR": "CR"}


def accept_ack_wanted(message: Hl7Message, profile: DeviceProfile, code: str) -> bool:
    """Whether the sender wants the accept (commit) ACK this gateway would answer with ``code``
    (``AA``, or ``AE``/``AR`` for a refusal). Original mode (MSH-15 and MSH-16 both empty): always.
    Enhanced mode, by MSH-15 (HL7 table 0155): ``NE`` never, ``ER`` only a CE/CR, ``SU`` only a CA,
    ``AL`` always. MSH-16 governs application ACKs, which this gateway does not send. An MSH-15
    that is empty (enhanced mode by MSH-16 alone: the standard has original mode only when both are
    empty, requires both for enhanced mode and gives an empty one no default) or not in table 0155
    is answered as ``AL``: see docs/device-gateway.md."""
    if not uses_enhanced_mode(message, profile):
        return True
    condition = message.msh.raw(15).strip().upper()
    if condition == "NE":
        return False
    if condition == "ER":
        return code != "AA"
    if condition == "SU":
        return code == "AA"
    return True


#: MSA-3 (text message) is an ST of 80 characters in v2.1 to v2.3.1, deprecated from v2.4 and kept
#: at 80 for backward compatibility up to v2.6 (the ERR segment carries the detail there).
MSA3_LENGTH = 80
#: MSA-3 and ERR-1 are withdrawn from v2.7 (HL7 v2 MSA and ERR segment definitions: "deprecated as
#: of v2.4 ... withdrawn and removed as of v2.7"): an ACK to a v2.7 or later message leaves MSA-3
#: empty and the text is in ERR-7 and ERR-8 only.
MSA3_WITHDRAWN = (2, 7)
#: From v2.5 the ERR segment has ERR-2 (location), ERR-3 (HL7 error code), ERR-4 (severity),
#: ERR-7 (diagnostic information, TX 2048: the whole text) and ERR-8 (user message, TX 250).
ERR_FIELDS_FROM = (2, 5)
ERR7_LENGTH = 2048
ERR8_LENGTH = 250


def msh_version(message: Hl7Message) -> tuple[int, ...]:
    """MSH-12's version as numbers (``2.5.1`` -> (2, 5, 1), ``2.5`` -> (2, 5)); (0,) when it is
    not a version."""
    try:
        return tuple(int(part) for part in message.msh.first(12).split(".")[:3])
    except ValueError:
        return (0,)


#: From v2.3.1 MSH-9 has a third component, the message structure, ``ACK`` for an ACK (HL7 v2.5.1
#: ch. 2, the ACK message: MSH-9 ``ACK^<trigger event acknowledged>^ACK``).
MESSAGE_STRUCTURE_FROM = (2, 3, 1)
#: MSH-10 (message control ID) is an ST of 199 characters from v2.7 (20 before).
MSH10_LENGTH = 199


def ack_type(message: Hl7Message) -> str:
    """MSH-9 of the ACK of ``message``: ``ACK``, the trigger event as the message sent it (its MSH-9's
    first repetition, second component, without padding; an escape sequence in it stays one, so
    ``\\F\\`` never becomes the ACK's own field separator) and, from v2.3.1, the structure ``ACK``;
    an empty trigger stays empty between them (``ACK^^ACK``), none at the end (``ACK``)."""
    enc = message.enc
    parts = message.msh.raw(9).split(enc.repeat)[0].split(enc.component)
    trigger = parts[1].strip() if len(parts) > 1 else ""
    structure = ["ACK"] if msh_version(message) >= MESSAGE_STRUCTURE_FROM else []
    return enc.component.join(["ACK", trigger, *structure]).rstrip(enc.component)


def sent_chars(message: Hl7Message) -> str:
    """The encoding characters ``message`` declared: its MSH-2 as sent (an answer to a message whose
    MSH-2 is incomplete declares four of its own, :func:`readable_header`)."""
    sent = message.msh_bytes[2] if len(message.msh_bytes) > 2 else None
    return message.msh.raw(2) if sent is None else sent.decode(message.charset, errors="replace")


def ack_control_id(message: Hl7Message, ts: str) -> str:
    """MSH-10 of the ACK of ``message``: ``ACK`` and its MSH-10 as sent, within
    :data:`MSH10_LENGTH` and never cut inside an escape sequence; ``ACK`` and the ACK's own time
    (``ts``) when its MSH-10 is empty, so that ACKs do not all share one control ID. A message
    that declared no escape character (MSH-2 of fewer than three) sent a ``\\`` - and any other
    character it did not declare - as text: the ACK, which declares them, writes it escaped."""
    text = f"ACK{message.control_id.strip() or ts}"
    enc, declared = message.enc, sent_chars(message)
    e = enc.escape
    if len(declared) < 3:
        own = (enc.component, enc.repeat, e, enc.subcomponent)
        text = text.replace(e, f"{e}E{e}")
        for ch, code in list(zip(own, "SRET", strict=True))[len(declared) :]:
            text = text if ch == e else text.replace(ch, f"{e}{code}{e}")
    text = text[:MSH10_LENGTH]
    return text[: text.rindex(e)] if text.count(e) % 2 else text


def shortened(text: str, enc: Encoding, limit: int) -> str:
    """``text`` escaped for a field of ``limit`` characters: cut, with ``...`` after it, so that
    the escaped text (escape sequences count, as sent) fits; never cuts inside an escape."""
    escaped = escape(text, enc)
    if len(escaped) <= limit:
        return escaped
    cut = limit - 3
    while cut > 0 and len(escape(text[:cut], enc)) > limit - 3:
        cut -= 1
    return escape(text[:cut], enc) + "..."


def build_ack(
    message: Hl7Message,
    code: str = "AA",
    enhanced: bool = False,
    *,
    text: str = "",
    now: datetime | None = None,
) -> bytes:
    """The ACK for ``message`` (segments joined with CR, no MLLP framing): MSA-1 is ``code``
    (AA/AE/AR, or CA/CE/CR in enhanced mode), MSA-2 echoes MSH-10 and MSA-3 is ``text`` within
    :data:`MSA3_LENGTH` (cut with ``...``) - up to v2.6 by MSH-12: MSA-3 is withdrawn from v2.7,
    where it stays empty (:func:`build_error_ack` puts the text in ERR). Refuses to ACK an ACK."""
    if not needs_ack(message):
        raise SenderStateError("an ACK message is never acknowledged")
    if code not in _ENHANCED:
        raise SenderStateError(f"ACK code must be AA, AE or AR, got {code!r}")
    ack_code = _ENHANCED[code] if enhanced else code
    enc = message.enc
    msh = message.msh
    ts = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
    # the encoding characters the message declared: a fourth the message did not send is not
    # declared (with a field separator "&" and MSH-2 "^~\\", a default "&" would be both)
    seps = enc.component + enc.repeat + enc.escape + ("" if len(msh.raw(2)) == 3 else enc.subcomponent)
    header: list[str | bytes] = [
        "MSH",
        seps,
        *(echoed(message, n) for n in (5, 6, 3, 4)),
        ts,
        "",
        ack_type(message),
        ack_control_id(message, ts),
        echoed(message, 11),
        echoed(message, 12),
    ]
    if msh.raw(18):
        header += ["", "", "", "", "", echoed(message, 18)]
    msa: list[str | bytes] = ["MSA", ack_code, echoed(message, 10)]
    if text and msh_version(message) < MSA3_WITHDRAWN:
        msa.append(shortened(text, enc, MSA3_LENGTH))
    return _segment(message, header) + _segment(message, msa)


def echoed(message: Hl7Message, n: int) -> str | bytes:
    """MSH-``n`` as an ACK echoes it: its bytes as sent (the sender's own application and facility
    names, MSA-2's control id: a receiver may match on them byte for byte) when they read alone as
    the field (:func:`devices.codecs.hl7_charset.stands_alone`), else its text, written back by
    :func:`devices.codecs.hl7_charset.encode`."""
    text = message.msh.raw(n)
    sent = message.msh_bytes[n] if n < len(message.msh_bytes) else None
    return sent if sent is not None and stands_alone(sent, text, message.charset) else text


def _segment(message: Hl7Message, fields: list[str | bytes]) -> bytes:
    """One segment of an ACK in the message's character set, CR after it: the fields echoed as
    sent (bytes, :func:`echoed`) kept so, the others written by
    :func:`devices.codecs.hl7_charset.encode` (never a ``?`` for a character)."""
    charset = message.charset
    written = [f if isinstance(f, bytes) else encode(f, charset) for f in fields]
    return encode(message.enc.field, charset).join(written) + b"\r"


def held_note(message: Hl7Message) -> str:
    """What became of the OBX held after an unreadable segment
    (:func:`devices.codecs.hl7_segments.held_after_unreadable`) or, when none is held, of the unreadable
    segments (:func:`devices.codecs.hl7_segments.unreadable_segments`, not used); empty when every segment
    could be read."""
    found = held_after_unreadable(message)
    if found is not None:
        held, unread = found
        return f"{counted(held, 'OBX segments')} held, patient unknown: segment at byte {unread.offset} unreadable"
    unused = unreadable_segments(message)
    if not unused:
        return ""
    return f"{counted(len(unused), 'segments')} not used: segment at byte {unused[0].offset} unreadable"


#: HL7 table 0357's 101, and what an ACK says of a message whose MSH-10 (required) is empty.
REQUIRED_FIELD_MISSING = ("101", "Required field missing")
NO_CONTROL_ID = "MSH-10 (message control ID) is empty: MSA-2 cannot name the message acknowledged"


def accept_ack(message: Hl7Message, enhanced: bool, *, now: datetime | None = None) -> bytes:
    """The AA (CA) of a message the gateway stored. When a segment of it could not be read (and
    OBX after it are held), it is still accepted (stored, as ASTM's records are acknowledged) and
    says so: MSA-3 up to v2.6 and, from v2.5, an ERR of severity W (warning: HL7 table 0516), table
    0357's 100 (segment sequence error) with the text in ERR-7 and ERR-8. So does a message whose
    MSH-10 is empty (:data:`NO_CONTROL_ID`, an ERR warning with table 0357's 101 at MSH-10): its
    results are stored, and an AE would only make the device send them again."""
    held = held_note(message)
    unnamed = "" if message.control_id.strip() else NO_CONTROL_ID
    ack = build_ack(message, "AA", enhanced, text="; ".join(n for n in (held, unnamed) if n), now=now)
    if msh_version(message) < ERR_FIELDS_FROM:
        return ack
    if held:
        ack += _err(message, [], SEGMENT_SEQUENCE_ERROR, "W", held)
    if unnamed:
        ack += _err(message, ["MSH", "1", "10"], REQUIRED_FIELD_MISSING, "W", unnamed)
    return ack


def _err(
    message: Hl7Message, place: list[str], condition: tuple[str, str], severity: str, text: str
) -> bytes:
    """A v2.5 ERR segment: ERR-2 ``place``, ERR-3 the table 0357 ``condition``, ERR-4 ``severity``,
    ERR-7 and ERR-8 ``text`` within their lengths; in the message's character set, as its MSH
    and MSA are (:func:`build_ack`)."""
    enc = message.enc
    code = enc.component.join((*condition, "HL70357"))
    detail, user = shortened(text, enc, ERR7_LENGTH), shortened(text, enc, ERR8_LENGTH)
    err: list[str | bytes] = ["ERR", "", enc.component.join(place), code, severity, "", "", detail, user]
    return _segment(message, err)


def _header_charset(raw: bytes, declared: str, profile: DeviceProfile | None) -> str:
    """The character set an unparsed message's answer is written in: its MSH-18's (the
    profile's encoding without one), as :func:`devices.codecs.hl7.parse_message` reads it, when
    the MSH line is valid in it; else latin-1, so that what the ACK echoes goes back as sent."""
    charset = CHARSETS.get(declared) if declared else (profile.encoding if profile else None)
    if charset is None:
        return "latin-1"
    try:
        raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return "latin-1"
    return charset


#: HL7's encoding characters, and the spares an answer writes with in place of one of them that
#: is the message's field separator (its MSH-2 held its own separator, every field after it moved).
DEFAULT_CHARS = "^~\\&"
SPARE_CHARS = "#$*"


def own_chars(fs: str, given: str) -> str:
    """The four encoding characters an answer declares and writes with when the message's MSH-2
    (``given``) is incomplete: in each place the message's own, else the default
    (:data:`DEFAULT_CHARS`), else a spare - never the field separator ``fs``, never one twice."""
    chars = ""
    for i, default in enumerate(DEFAULT_CHARS):
        chars += next(
            c for c in (given[i : i + 1], default, *SPARE_CHARS) if c and c != fs and c not in chars
        )
    return chars


def readable_header(raw: bytes, profile: DeviceProfile | None = None) -> Hl7Message:
    """The MSH of a message that does not parse, read as far as it goes, to answer it: its bytes
    read in the message's character set (as :func:`devices.codecs.hl7_charset.read_msh` finds it,
    a GB 18030 or Big5 name whose bytes hold a ``|`` whole; else :func:`_header_charset`: latin-1
    when that is not known or the MSH is not valid in it, so what an ACK echoes goes back as
    sent). Where MSH-2 is incomplete the header reads, and the answer declares, :func:`own_chars`:
    its own and the defaults, none the field separator (the defaults alone put a separator ``^``,
    ``~``, ``\\`` or ``&`` in the answer's MSH-2, every field after it moved). A message that does
    not start with MSH gets an empty header with the defaults MSH-11 ``P`` and MSH-12 ``2.4`` (as
    Mirth Connect answers one): its ACK has no MSA-2, since there is no MSH-10 to echo."""
    if not raw.startswith(b"MSH") or len(raw) < 4:
        enc = Encoding()
        fields = ["MSH", enc.field, *[""] * 9, "P", "2.4"]
        return Hl7Message([Segment("MSH", fields, 0, enc)], enc, "latin-1")
    fs = chr(raw[3])
    end = min((i for i in (raw.find(b"\r"), raw.find(b"\n")) if i >= 0), default=len(raw))
    # as parse_message reads it: in GB 18030, Big5... a character may hold a "|" byte
    parts, codec = read_msh(raw[:end], fs, profile.encoding if profile else None)
    charset = codec or _header_charset(raw[:end], declared_charset(parts), profile)
    if codec is None:
        parts = raw[:end].decode(charset).split(fs)
    chars = parts[1] if len(parts) > 1 else ""
    sent = msh_field_bytes(raw[:end], parts, fs, charset)
    if len(chars) >= 3:
        enc = Encoding(fs, chars[0], chars[1], chars[2], chars[3] if len(chars) > 3 else "&")
        return Hl7Message([Segment("MSH", ["MSH", fs, *parts[1:]], 0, enc)], enc, charset, sent)
    # MSH-2 incomplete: the answer's own four, none the field separator, all four in its MSH-2
    own = own_chars(fs, chars)
    enc = Encoding(fs, *own)
    return Hl7Message([Segment("MSH", ["MSH", fs, own, *parts[2:]], 0, enc)], enc, charset, sent)


def build_error_ack(
    raw: bytes,
    error: Hl7ParseError,
    profile: DeviceProfile,
    *,
    now: datetime | None = None,
    code: str = "AE",
) -> bytes | None:
    """The negative ACK of a message that does not parse: MSA-1 ``AE`` (application error: the
    sender should correct the message before sending it again; ``CE`` in enhanced mode), MSA-2
    its MSH-10 when the MSH can be read, MSA-3 what is wrong and where (within 80 characters; empty
    from v2.7, where MSA-3 is withdrawn), and an ERR segment naming the segment, its sequence, the
    field and the HL7 table 0357 condition (ERR-1 up to v2.4; from v2.5, by the message's MSH-12,
    ERR-2/3/4, the whole text in ERR-7 and within 250 characters in ERR-8). None for an ACK (an ACK is never acknowledged)
    and when MSH-15 is ``NE`` or ``SU`` (the sender wants no commit error, see
    :func:`accept_ack_wanted`). ``code`` ``AR`` (``CR``): a message type the gateway does not take."""
    header = readable_header(raw, profile)
    if not needs_ack(header) or not accept_ack_wanted(header, profile, code):
        return None
    enc = header.enc
    ack = build_ack(header, code, uses_enhanced_mode(header, profile), text=str(error), now=now)
    code, name = error.condition
    place = [escape(error.segment, enc), str(error.sequence), "" if error.field is None else str(error.field)]
    if msh_version(header) < ERR_FIELDS_FROM:
        # the code's text and table in subcomponents when the message has a subcomponent separator;
        # its MSH-2 of three with HL7's default "&" its field separator has none: the code alone
        sub = enc.subcomponent if enc.subcomponent != enc.field else ""
        err: list[str | bytes] = [
            "ERR",
            enc.component.join([*place, sub.join((code, name, "HL70357")) if sub else code]),
        ]
        return ack + _segment(header, err)
    return ack + _err(header, place, error.condition, "E", str(error))
