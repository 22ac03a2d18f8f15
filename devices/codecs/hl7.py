"""HL7 v2.x messages (ORU^R01 and ACK): parsing, escapes, MSH-18 character sets and the mapping of
OBX results to :class:`DeviceResult`. Acknowledgements are in :mod:`devices.codecs.hl7_ack`,
framing in :mod:`devices.codecs.mllp`.

Segments end with CR; LF or CR LF is accepted only with the profile switch
``lf_segment_separator``. MSH-1 is the field separator and MSH-2 the encoding characters, so
splitting the MSH segment on the field separator puts MSH-n at index n-1 (other segments: n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from devices.codecs import escapes
from devices.codecs.hl7_charset import (
    CHARSETS,
    SET_UTF8,
    UNICODE_READ_AS_UTF8,
    UTF16_MSH,
    declared_charset,
    decode,
    field_byte,
    msh_field_bytes,
    read_msh,
    refused_charset,
    unnamed_switch,
)
from devices.codecs.hl7_segments import (
    SEGMENT_ID,
    held_after_unread,
    unread_before,
    unreadable,
)
from devices.codecs.processing import not_production_flag
from devices.errors import CodecError
from devices.mapping import Fields, build_result, parse_timestamp, result_status
from devices.profile import DeviceProfile
from devices.results import (
    NO_RESULT_STATUS,
    STATUS_TO_FINAL,
    DeviceResult,
    NoResultLine,
    Quarantine,
    message_id,
)
from devices.tolerance import ToleranceCounter
from referral.errors import json_text

_SEGMENT = re.compile(rb"[^\r\n]+")


@dataclass(frozen=True, slots=True)
class Encoding:
    field: str = "|"
    component: str = "^"
    repeat: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"


def unescape(text: str, enc: Encoding, charset: str = "latin-1") -> str:
    """Resolve ``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh..\\ \\.br\\ \\H\\ \\N\\`` left to right (so
    ``\\E\\R\\`` is a literal escape character followed by ``R\\``, not a repeat); hex bytes are read
    in the message's ``charset`` (:func:`devices.codecs.escapes.resolve`)."""
    e = enc.escape
    if e not in text:
        return text
    named = {
        "F": enc.field,
        "S": enc.component,
        "T": enc.subcomponent,
        "R": enc.repeat,
        "E": e,
        "H": "",
        "N": "",
        ".br": "\n",
    }
    return escapes.resolve(text, e, named, charset)


def escape(text: str, enc: Encoding = Encoding()) -> str:
    e = enc.escape
    text = text.replace(e, f"{e}E{e}")
    for ch, code in ((enc.field, "F"), (enc.component, "S"), (enc.subcomponent, "T"), (enc.repeat, "R")):
        text = text.replace(ch, f"{e}{code}{e}")
    return text.replace("\r", f"{e}.br{e}").replace("\n", f"{e}.br{e}")


@dataclass(slots=True)
class Segment:
    name: str
    fields: list[str]  # fields[n] is field n (for MSH, fields[1] is MSH-1 = the separator)
    offset: int
    enc: Encoding
    charset: str = "latin-1"  # the message's, in which \Xhh..\ bytes are read

    def raw(self, n: int) -> str:
        return self.fields[n] if 0 <= n < len(self.fields) else ""

    def components(self, n: int, repeat: int = 0) -> list[str]:
        reps = self.raw(n).split(self.enc.repeat)
        text = reps[repeat] if repeat < len(reps) else ""
        return [unescape(c, self.enc, self.charset) for c in text.split(self.enc.component)]

    def first(self, n: int) -> str:
        return self.components(n)[0].strip()


@dataclass(slots=True)
class Hl7Message:
    segments: list[Segment]
    enc: Encoding
    charset: str  # Python codec used
    #: MSH-n's bytes as sent at index n (0 ``MSH``, 1 the separator), which an ACK echoes
    #: (:func:`devices.codecs.hl7_ack.build_ack`); empty when they could not be told apart.
    msh_bytes: tuple[bytes, ...] = ()

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def control_id(self) -> str:
        return self.msh.raw(10)

    @property
    def message_type(self) -> str:
        return self.msh.first(9)

    def all(self, name: str) -> list[Segment]:
        return [s for s in self.segments if s.name == name]


#: HL7 table 0357 (message error condition codes) named in an error ACK's ERR segment.
SEGMENT_SEQUENCE_ERROR = ("100", "Segment sequence error")
DATA_TYPE_ERROR = ("102", "Data type error")
TABLE_VALUE_NOT_FOUND = ("103", "Table value not found")
UNSUPPORTED_MESSAGE_TYPE = ("200", "Unsupported message type")
UNSUPPORTED_EVENT_CODE = ("201", "Unsupported event code")
#: MSH-9.1 of the messages whose OBX segments are results (ORU: observation results, R01 and the
#: like; OUL: laboratory automation results). Another type (ADT^A01, QRY^Q02...) is answered AR,
#: its ERR naming table 0357's 200: HL7 v2 ch. 2 rejects a message type the receiver does not
#: support with AR (CR in enhanced mode), not AA - an AA told the device it was handled.
RESULT_MESSAGE_TYPES = frozenset({"ORU", "OUL"})
#: Result-type messages (MSH-9.1 and .2, upper case) whose OBX are no results, with what they are:
#: ORU^R40 (v2.7 "report alarm", IHE PCD-04 Report Alert) carries an alarm - its type, phase,
#: state and the reading that raised it. ORU^R42 (IHE PCD-10 "communicate infusion event data",
#: the IPEC profile) carries an infusion pump's events - start, rate change, KVO, completion - with
#: the settings beside them (rate, volume infused): no measurement of the patient. Answered AR as
#: an unsupported type, with table 0357's 201 (unsupported event code): an AA told the alarm source
#: a receiver took the alarm, and the pump that its event stream was followed.
NOT_RESULTS = {
    "ORU^R40": "an alarm report (IHE PCD-04), not results: alarms are not read",
    "ORU^R42": "an infusion event (IHE PCD-10), not results: events are not read",
}


def unsupported_type(message: Hl7Message) -> str | None:
    """MSH-9 (``ADT^A01``) of a message the gateway does not take (:data:`RESULT_MESSAGE_TYPES`
    but :data:`NOT_RESULTS`; never an ACK, which is not answered at all), each component without
    the spaces a padded field holds, as :attr:`Hl7Message.message_type` reads it; empty for an
    MSH-9 that is empty or blank (``|   |``, ``| ^ |``); None for a result message."""
    if not needs_ack(message):
        return None
    parts = [c.strip() for c in message.msh.components(9)]
    kind = parts[0] + "".join(f"^{c}" for c in parts[1:2])
    if parts[0].upper() in RESULT_MESSAGE_TYPES and kind.upper() not in NOT_RESULTS:
        return None
    return kind if kind.strip("^") else ""


#: The name a message with an empty MSH-9 is counted under (``triage devices listen``'s and
#: ``replay``'s "not handled" counts): its type, the name of the others, is blank.
NO_TYPE = "MSH-9 empty"


def unsupported_said(kind: str) -> str:
    """Why a message of ``kind`` (:func:`unsupported_type`) is not taken, in the words the AR and
    ``triage devices replay`` say it: its type; a message with an empty MSH-9 (a required field,
    the type blank) says that MSH-9 is empty, and one whose MSH-9.1 is empty beside a trigger event
    (``|^R01|``, kind ``^R01``: no type) that MSH-9.1 is."""
    if not kind:
        return "MSH-9 (the message type) is empty"
    if kind.startswith("^"):
        return "MSH-9.1 (the message type) is empty"
    if kind.upper() in NOT_RESULTS:
        return f"{kind} is {NOT_RESULTS[kind.upper()]}"
    return f"message type {kind} is not supported"


def unsupported_error(kind: str) -> Hl7ParseError:
    """What the AR of a message of ``kind`` (:func:`unsupported_type`) says, at MSH-9: a type the
    gateway does not take (table 0357's 200), or a result type's trigger whose OBX are no results
    (:data:`NOT_RESULTS`, 201)."""
    if kind.upper() in NOT_RESULTS:
        return Hl7ParseError(unsupported_said(kind), segment="MSH", field=9, condition=UNSUPPORTED_EVENT_CODE)
    said = f"{unsupported_said(kind)}: the gateway takes results (ORU, OUL)"
    return Hl7ParseError(said, segment="MSH", field=9, condition=UNSUPPORTED_MESSAGE_TYPE)


def captured_unsupported_type(raw: bytes, profile: DeviceProfile) -> str | None:
    """:func:`unsupported_type` of a captured message's bytes; None when they do not parse (then
    the decoder quarantines them, saying why)."""
    try:
        return unsupported_type(parse_message(raw, profile, ToleranceCounter(logged=False)))
    except CodecError:
        return None


class Hl7ParseError(CodecError):
    """An HL7 message that cannot be parsed, with where for the error ACK's ERR segment: the
    segment's name and its sequence among segments of that name (1 = the first), the field (None
    when the problem is the segment itself) and the HL7 table 0357 condition."""

    def __init__(
        self,
        message: str,
        *,
        segment: str | None = None,
        sequence: int = 1,
        field: int | None = None,
        condition: tuple[str, str] = SEGMENT_SEQUENCE_ERROR,
    ) -> None:
        super().__init__(message)
        self.segment, self.sequence, self.field, self.condition = segment or "MSH", sequence, field, condition
        self._located = segment is not None  # "no MSH at the start" has no segment to name

    @property
    def location(self) -> str:
        return f"{self.segment}-{self.field}" if self.field is not None else f"segment {self.segment}"

    @property
    def place(self) -> str | None:
        """Where in the message in HL7's notation (``OBX-3 of OBX 2``: field 3 of the second OBX;
        ``segment PID 1``), or None when the error names no segment (no MSH at the start)."""
        if not self._located:
            return None
        if self.field is None:
            return f"segment {self.segment} {self.sequence}"
        return f"{self.segment}-{self.field} of {self.segment} {self.sequence}"

    def detail(self) -> str:
        """The text with :attr:`place` after its byte (``byte 204 (OBX-3 of OBX 1): ...``), as
        ``device_quarantine`` keeps it, unless the text names the field already (MSH-2, MSH-18);
        the acknowledgement's text stays :func:`str`."""
        text, place = str(self), self.place
        at, sep, rest = text.partition(": ")
        if place is None or not sep or f"{self.segment}-{self.field}" in rest or not at.startswith("byte "):
            return text
        return f"{at} ({place}): {rest}"


def _place(raw: bytes, at: int, fs: bytes, codec: str = "latin-1") -> tuple[str, int, int | None]:
    """The segment holding byte ``at`` (name, sequence among segments of that name) and its field
    (None when ``at`` is the segment's end, e.g. an LF), its bytes before ``at`` read in ``codec``
    (in GB 18030 a character may hold a ``|`` byte)."""
    seen: dict[str, int] = {}
    place: tuple[str, int, int | None] = ("MSH", 1, None)
    for m in _SEGMENT.finditer(raw):
        if m.start() > at:
            break
        name = m.group().split(fs, 1)[0][:3].decode("latin-1")
        seen[name] = seen.get(name, 0) + 1
        head = m.group()[: at - m.start()].decode(codec, errors="replace")
        field = head.count(fs.decode("latin-1")) if at < m.end() else None
        if field is not None and name == "MSH":
            field += 1  # MSH-1 is the separator itself
        place = (name, seen[name], field)
    return place


def parse_message(raw: bytes, profile: DeviceProfile, counter: ToleranceCounter | None = None) -> Hl7Message:
    """Parse one HL7 message (MLLP already removed). Raises :class:`Hl7ParseError` with an offset
    and the segment and field at fault."""
    counter = counter or ToleranceCounter()
    if raw.startswith(UTF16_MSH):
        raise Hl7ParseError(
            f"byte 0: the message is in UTF-16 or UTF-32 (a byte-order mark, or NUL bytes in MSH): {SET_UTF8}",
            segment="MSH",
            field=18,
            condition=TABLE_VALUE_NOT_FOUND,
        )
    if not raw.startswith(b"MSH"):
        raise Hl7ParseError(
            f"byte 0: HL7 message must start with MSH, got {json_text(raw[:10].decode('latin-1'))}"
        )
    if len(raw) < 4:  # cut off before its field separator; after it, MSH-2's check says what is missing
        raise Hl7ParseError(
            f"byte 0: MSH segment {json_text(raw.decode('latin-1'))} is too short: it needs MSH, the field"
            " separator and the encoding characters, as in MSH|^~\\&"
        )
    if b"\n" in raw:
        if not profile.tolerance.lf_segment_separator:
            at = raw.index(b"\n")
            name, sequence, _ = _place(raw, at, raw[3:4])
            raise Hl7ParseError(
                f"byte {at}: LF in HL7 message (segments end with CR; "
                "profile switch lf_segment_separator accepts LF and CR LF)",
                segment=name,
                sequence=sequence,
            )
        counter.fire(profile.device_id, "lf_segment_separator")
    fs = chr(raw[3])
    msh_end = min((i for i in (raw.find(b"\r"), raw.find(b"\n")) if i >= 0), default=len(raw))
    # read in GB 18030, Big5... when MSH-18 says so: a character there may hold a "|" byte
    msh_fields, msh_codec = read_msh(raw[:msh_end], fs, profile.encoding)
    chars = msh_fields[1] if len(msh_fields) > 1 else ""
    if len(chars) < 3:
        raise Hl7ParseError(
            f"byte 4: MSH-2 encoding characters {json_text(chars)} are incomplete (need e.g. ^~\\&)",
            field=2,
            condition=DATA_TYPE_ERROR,
        )
    given = chars[:4]
    if len({fs, *given}) != len(given) + 1:
        # A delimiter used twice splits where the sender did not mean to (component = repeat
        # keeps only the first component), so data would be lost unseen.
        raise Hl7ParseError(
            f"byte 4: MSH-2 encoding characters {json_text(given)} must differ from each other and "
            f"from the field separator {json_text(fs)}",
            field=2,
            condition=DATA_TYPE_ERROR,
        )
    enc = Encoding(fs, chars[0], chars[1], chars[2], chars[3] if len(chars) > 3 else "&")
    declared = declared_charset(msh_fields)
    charset = profile.encoding
    if declared:
        at = field_byte(raw[:msh_end], msh_fields, 18, fs, msh_codec)
        if (why := refused_charset(msh_fields)) is not None:
            raise Hl7ParseError(
                f"byte {at}: MSH-18 character set {json_text(declared)}: {why}",
                field=18,
                condition=TABLE_VALUE_NOT_FOUND,
            )
        if declared not in CHARSETS:
            raise Hl7ParseError(
                f"byte {at}: MSH-18 character set {json_text(declared)} "
                f"is not supported (known: {', '.join(CHARSETS)})",
                field=18,
                condition=TABLE_VALUE_NOT_FOUND,
            )
        charset = CHARSETS[declared]
    segments: list[Segment] = []
    for m in _SEGMENT.finditer(raw):
        start, chunk = m.start(), m.group()
        try:
            text = decode(chunk, charset)
        except UnicodeDecodeError as exc:
            name, sequence, field = _place(raw, start + exc.start, raw[3:4], charset)
            why = f": {UNICODE_READ_AS_UTF8}" if declared == "UNICODE" else ""
            said = (
                f"byte 0x{chunk[exc.start]:02X} is not valid {charset} "
                f"(MSH-18 {declared or 'absent'}, profile encoding {profile.encoding}){why}"
            )
            if (
                switch := unnamed_switch(chunk, exc.start, msh_fields[17] if len(msh_fields) > 17 else "")
            ) is not None:
                said = f"{name}-{field} of {name} {sequence}: {switch}"  # an ESC is inside a field
            raise Hl7ParseError(
                f"byte {start + exc.start}: {said}",
                segment=name,
                sequence=sequence,
                field=field,
                condition=DATA_TYPE_ERROR,
            ) from None
        parts = text.split(fs)
        name = parts[0]
        fields = [name, fs, *parts[1:]] if name == "MSH" else parts
        segments.append(Segment(name, fields, start, enc, charset))
    sent = msh_field_bytes(raw[:msh_end], [segments[0].name, *segments[0].fields[2:]], fs, charset)
    return Hl7Message(segments, enc, charset, sent)


def needs_ack(message: Hl7Message) -> bool:
    """Every message is acknowledged except an acknowledgement."""
    return message.message_type.upper() != "ACK"


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
    no_result_lines: list[NoResultLine] | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """One HL7 message -> results (one per OBX) and quarantined items; each OBX that carried no
    result (OBX-11 I, N or O without a value) is appended to ``no_result_lines`` when it is given."""
    counter = counter or ToleranceCounter()
    mid = message_id(raw)
    try:
        msg = parse_message(raw, profile, counter)
    except CodecError as exc:
        reason = "undecodable_bytes" if "is not valid" in str(exc) else "unparseable_message"
        at = base_offset + (exc.byte_offset or 0)  # parse_message counts from the message's start
        detail = exc.detail() if isinstance(exc, Hl7ParseError) else str(exc)
        return [], [Quarantine(reason, raw, at, profile.device_id, detail)]
    if not needs_ack(msg) or unsupported_type(msg) is not None:
        # an ACK carries no results; a message the gateway answers AR (ADT^A01, ORM^O01, MSH-9
        # empty) is kept with none: its OBX are not results (an order's), or not known to be
        return [], []
    msh = msg.msh
    # MSH-11 T (training) or D (debugging): no real measurement of the patient it names
    not_production = not_production_flag(msh.first(11))
    qc = bool(not_production)
    if profile.tolerance.mindray_msh16_result_kind and msh.raw(16).strip() in ("1", "2"):
        counter.fire(profile.device_id, "mindray_msh16_result_kind", f"MSH-16={msh.raw(16).strip()}")
        qc = True
    zone = profile.zone
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    patient_id: str | None = None
    sample_id: str | None = None
    specimen: str | None = None  # OUL^R22's SPM-2: the sample of the OBX and OBR after it
    obr_time: datetime | None = None

    def ts(seg: Segment, n: int) -> datetime | None:
        try:
            return parse_timestamp(seg.first(n), zone)
        except ValueError as exc:
            problems.append(
                Quarantine("bad_timestamp", raw, base_offset + seg.offset, profile.device_id, str(exc))
            )
            return None

    msh_time = ts(msh, 7)
    # A segment whose ID is not one may have been a PID (or OBR): until the next readable PID,
    # whose results the OBX are is not known, and none is given to the patient before it.
    for seg, unread in zip(msg.segments, unread_before(msg.segments), strict=True):
        if not SEGMENT_ID.fullmatch(seg.name):
            # reported, never skipped unseen: it may have been an OBX (2OBX|...), a result lost
            problems.append(unreadable(seg, raw, base_offset, profile.device_id))
        elif seg.name == "PID":
            patient_id = seg.first(3) or seg.first(2) or None
            # a new patient: none of the last one's sample or order time (OBR-7) is theirs
            sample_id = specimen = obr_time = None
        elif seg.name == "SPM":  # a specimen (OUL^R22): the OBX after it are its own, not the last OBR's
            sample_id = specimen = specimen_id(seg)
            obr_time = ts(seg, 17)  # SPM-17.1: when it was collected
        elif seg.name == "OBR":
            sample_id = seg.first(3) or seg.first(2) or specimen
            obr_time = ts(seg, 7)
        elif seg.name == "OBX":
            obx3 = seg.components(3)
            if profile.hl7.code_from == "obx4":
                vendor = seg.first(4)
            elif profile.hl7.code_from == "obx3_text":
                vendor = obx3[1].strip() if len(obx3) > 1 else ""
            else:
                vendor = obx3[0].strip()
            if unread is not None:
                problems.append(held_after_unread(seg, vendor, unread, raw, base_offset, profile.device_id))
                continue
            if not vendor:
                # An empty code is no identity: every such OBX would share one exactly-once key,
                # and all but the first be taken for resends. Usually code_from points elsewhere.
                where = {"obx4": "OBX-4", "obx3_text": "OBX-3 component 2"}.get(
                    profile.hl7.code_from, "OBX-3"
                )
                problems.append(
                    Quarantine(
                        "no_test_code",
                        raw,
                        base_offset + seg.offset,
                        profile.device_id,
                        f"OBX {seg.first(1) or '?'}: no test code in {where} (profile [hl7] code_from = "
                        f"{json_text(profile.hl7.code_from)}); OBX-3 is {json_text(seg.raw(3))}, OBX-4 is {json_text(seg.raw(4))}",
                    )
                )
                continue
            where = f"OBX {seg.first(1) or '?'} test {json_text(vendor)}: OBX-5"
            place = (raw, base_offset + seg.offset, profile.device_id)
            which = escapes.one_value(seg.raw(5), msg.enc.repeat, msg.enc.component, where, place)
            if isinstance(which, Quarantine):
                problems.append(which)
                continue
            parts = seg.components(5, which)
            while parts and not parts[-1].strip():
                parts.pop()
            # U: the stored preliminary result is final now, its value not sent again
            to_final = seg.raw(11).strip().upper()[:1] == "U"
            # I (results pending), N (not asked), O (order detail only): no result (table 0085)
            no_result = NO_RESULT_STATUS.get(seg.raw(11).strip().upper()[:1])
            raw_value = enc_join(parts, msg.enc)
            f = Fields(
                protocol="hl7",
                message_id=mid,
                sample_id=sample_id,
                patient_id=patient_id,
                vendor_code=vendor,
                raw_value=raw_value,
                device_unit=seg.first(6) or _unit_not_sent(profile, vendor, to_final, raw_value),
                status=result_status(seg.raw(11), profile, counter, "hl7"),
                qc=qc,
                flags=tuple(x.strip() for x in seg.raw(8).split(msg.enc.repeat) if x.strip())
                + not_production
                + ((STATUS_TO_FINAL,) if to_final else ())
                + ((no_result,) if no_result else ()),
                observed_at=ts(seg, 14) or obr_time or msh_time,
                reference_range=seg.first(7) or None,
                byte_offset=base_offset + seg.offset,
                # \M2442\ and the like, kept as sent: the stored result's detail says so
                comments=escapes.unread_switches(
                    {f"OBX-{n}": seg.raw(n) for n in range(3, 8)}, msg.enc.escape
                ),
            )
            result, problem = build_result(f, profile, counter, raw)
            if to_final and not result.value and problem is not None and problem.reason == "unexpected_unit":
                # a U without a value names no value's unit: no unit problem to quarantine - the
                # inbox compares it with the stored value's (a conflict is held, never relabelled)
                code = profile.mapping[vendor].code
                result = replace(
                    result,
                    code=code,
                    unit=seg.first(6),
                    problem=None,
                    expected_units=(),
                    fix=None,
                    fix_says=(),
                )
                problem = None
            if no_result and not result.value and result.status != "withdrawn":
                # nothing to store, hold or review: stored, it took the key of the result it
                # announces (whose preliminary was then a "resend") and sat held "not final"
                if no_result_lines is not None:
                    status = seg.raw(11).strip().upper()[:1]
                    no_result_lines.append(NoResultLine(status, vendor, base_offset + seg.offset))
                continue
            if f.device_unit and not seg.first(6):  # the profile's unit stood in for no unit sent
                result = replace(result, device_unit=None)
            results.append(result)
            if problem is not None:
                problems.append(problem)
    return results, problems


def specimen_id(spm: Segment) -> str | None:
    """SPM-2 (EIP, the specimen ID): the placer's, else the filler's, each its EI's entity ID."""
    parts = spm.raw(2).split(spm.enc.repeat)[0].split(spm.enc.component)[:2]
    ids = [unescape(p.split(spm.enc.subcomponent)[0], spm.enc, spm.charset).strip() for p in parts]
    return next((i for i in ids if i), None)


def _unit_not_sent(profile: DeviceProfile, vendor: str, to_final: bool, raw_value: str) -> str | None:
    """The unit a U without a value stands for when it sends no unit either (OBX-6 empty): the
    profile's first for the test, so its empty unit is no unit problem quarantined - the U sends
    neither, and the result it makes final keeps its own value and unit (``referral.inbox``). A
    unit it does send is checked against the stored value's there, not quarantined here: the U
    confirms the value as sent, and another unit is a conflict held for a person."""
    entry = profile.mapping.get(vendor)
    if not to_final or raw_value.strip() or entry is None or not entry.device_units:
        return None
    return entry.device_units[0]


def enc_join(parts: list[str], enc: Encoding) -> str:
    return enc.component.join(parts)
