"""ASTM E1394 / CLSI LIS2-A2 records: delimiters from the header, escapes, the record hierarchy
(H P O R C M Q L, many patients per message) and the mapping to :class:`DeviceResult`.

Records are split on the byte level (CR, the record delimiter, is 0x0D in every encoding a device
may use), so every record and every problem has a byte offset; each record is then decoded with
the profile's character encoding. Field ``n`` is 1-based and field 1 is the record type, so the
header's message control ID is H.3 and a result's value is R.4.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from devices.codecs import escapes
from devices.codecs.processing import not_production_flag
from devices.errors import CodecError
from devices.mapping import Fields, build_result, parse_timestamp, result_status
from devices.profile import DeviceProfile
from devices.results import (
    ABNORMAL_FLAGS,
    INCOMPLETE,
    QUESTIONABLE,
    TERMINATION_FLAG,
    UNKNOWN_FLAG,
    DeviceResult,
    Quarantine,
    message_id,
)
from devices.tolerance import ToleranceCounter
from referral.errors import json_text

_RECORD = re.compile(rb"[^\r\n]+")
#: LIS2-A2 record types: header, patient, order, result, comment, manufacturer, scientific,
#: request (query) and terminator. A record of any other type is quarantined, never skipped, and the
#: R records after it are held until the next P record (it may have been a P or O record).
RECORD_TYPES = frozenset("HPORCMSQL")
#: E1394 5.1 (LIS2-A2 the same): of the control characters only BEL, HT, VT, FF and CR (7, 9, 11,
#: 12, 13) may stand in text, and DEL (127) never; the link layer's own (STX, ETX, ETB, LF...) end
#: a frame and never reach a record. A byte below 0x80 is that character in every encoding a
#: profile may name (ASCII-compatible: latin-1, cp1252, utf-8, gb18030...), so bytes are searched.
_CONTROL = re.compile(rb"[\x00-\x06\x08\x0a\x0e-\x1f\x7f]")
#: 5.1 also excludes the ISO 8859-1 character 255 (ÿ): refused where the profile's encoding reads
#: byte 255 as that character (latin-1, cp1252, iso8859-15). Where it reads another letter (я in
#: cp1251, Ъ in koi8-r: the vendor's character set, which E1394 leaves to the vendors), the byte is
#: text - a Cyrillic name was refused whole; utf-8 and gb18030 never use it (their decoding refuses it).
_CONTROL_OR_255 = re.compile(rb"[\x00-\x06\x08\x0a\x0e-\x1f\x7f\xff]")
_BYTE_255 = 0xFF
#: A value that is a number and nothing else (no comparator, no text): what an R.7 ``<`` or ``>`` censors.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


@functools.cache
def _not_text(encoding: str) -> re.Pattern[bytes]:
    """The bytes E1394 allows in no record, as ``encoding`` reads them."""
    try:
        iso_255 = bytes([_BYTE_255]).decode(encoding) == "\xff"
    except (ValueError, LookupError):  # no character alone here: the decoding refuses it
        iso_255 = False
    return _CONTROL_OR_255 if iso_255 else _CONTROL


@dataclass(frozen=True, slots=True)
class Delimiters:
    field: str = "|"
    repeat: str = "\\"
    component: str = "^"
    escape: str = "&"

    def header_text(self) -> str:
        return f"H{self.field}{self.repeat}{self.component}{self.escape}"


DEFAULT = Delimiters()


def delimiters_from_header(
    header: str, profile: DeviceProfile | None = None, counter: ToleranceCounter | None = None
) -> Delimiters:
    """Read the delimiter set from an H record (``H|\\^&|...``, ``H|@^\\|...``)."""
    if not header.startswith("H"):
        raise CodecError(f"message does not start with an H record: {json_text(header[:20])}")
    if len(header) < 5:
        raise CodecError(
            f"H record {json_text(header)} is too short for its delimiters: it needs 'H', the field"
            " delimiter and 3 more (repeat, component, escape), as in H|\\^&"
        )
    fd = header[1]
    end = header.find(fd, 2)
    spec = header[2:end] if end >= 0 else header[2:]  # no field after it: the rest is the delimiter field
    if len(spec) == 4 and spec[0] == spec[1]:
        if profile is None or not profile.tolerance.doubled_backslash_header:
            raise CodecError(
                f"header delimiter field {json_text(spec)} has 4 characters (doubled {json_text(spec[0])}); "
                "profile switch doubled_backslash_header reads it as " + json_text(spec[1:])
            )
        if counter is not None:
            counter.fire(profile.device_id, "doubled_backslash_header", spec)
        spec = spec[1:]
    if len(spec) != 3 or len({fd, *spec}) != 4:
        raise CodecError(
            f"header delimiter field {json_text(spec)} must be 3 distinct characters (repeat, component, escape)"
        )
    return Delimiters(fd, spec[0], spec[1], spec[2])


def unescape(text: str, d: Delimiters, encoding: str = "latin-1") -> str:
    """Resolve ``&F& &S& &R& &E& &Xhh..& &H& &N&`` (with the header's escape character; hex bytes
    read in the records' ``encoding``). ``&Z..&`` local escapes and unknown sequences are kept as sent."""
    if d.escape not in text:
        return text
    named = {"F": d.field, "S": d.component, "R": d.repeat, "E": d.escape, "H": "", "N": ""}
    return escapes.resolve(text, d.escape, named, encoding)


def escape(text: str, d: Delimiters) -> str:
    """Screen delimiters out of data (the escape character first)."""
    e = d.escape
    text = text.replace(e, f"{e}E{e}")
    return text.replace(d.field, f"{e}F{e}").replace(d.component, f"{e}S{e}").replace(d.repeat, f"{e}R{e}")


def encode_record(record_type: str, fields: list[list[str] | str], d: Delimiters = DEFAULT) -> bytes:
    """Build one record (without CR) from fields 2..n; each field is a string or a component list.
    Data is escaped, so no delimiter can leak; the header's delimiter field is written as is."""
    parts = [record_type]
    for f in fields:
        parts.append(d.component.join(escape(c, d) for c in f) if isinstance(f, list) else escape(f, d))
    if record_type == "H":
        return (d.header_text() + d.field + d.field.join(parts[1:])).encode("latin-1")
    return d.field.join(parts).encode("latin-1")


@dataclass(slots=True)
class Record:
    """One record: raw field texts (``fields[0]`` is the type) and its byte offset."""

    fields: list[str]
    offset: int
    delimiters: Delimiters
    comments: list[Record] = field(default_factory=list)
    encoding: str = "latin-1"  # the profile's, the records' and their &Xhh..& bytes'

    @property
    def type(self) -> str:
        """Field 1 whole, in capitals (E1394: the record type ID is the first field, one letter): "PX"
        is no P record, and is not one of :data:`RECORD_TYPES`."""
        return self.fields[0].upper() if self.fields else ""

    def raw(self, n: int) -> str:
        """Field ``n`` (1-based, field 1 = record type) as sent, '' if omitted."""
        return self.fields[n - 1] if 0 < n <= len(self.fields) else ""

    def repeats(self, n: int) -> list[str]:
        return self.raw(n).split(self.delimiters.repeat)

    def components(self, n: int, repeat: int = 0) -> list[str]:
        """Components of repeat ``repeat`` of field ``n``, each unescaped."""
        d = self.delimiters
        text = self.fields[n - 1] if 0 < n <= len(self.fields) else ""
        if d.repeat in text:
            reps = text.split(d.repeat)
            text = reps[repeat] if repeat < len(reps) else ""
        elif repeat:
            text = ""
        parts = text.split(d.component)
        return [unescape(c, d, self.encoding) for c in parts] if d.escape in text else parts

    def text(self, n: int) -> str:
        """Field ``n`` unescaped, components and repeats kept with their delimiters."""
        return (
            unescape(self.raw(n), self.delimiters, self.encoding)
            if n != 2 or self.type != "H"
            else self.raw(n)
        )

    def ref(self, spec: str) -> str:
        """``"O.3"`` -> first non-empty component of field 3 (stripped)."""
        n = int(spec.split(".", 1)[1])
        for c in self.components(n):
            if c.strip():
                return c.strip()
        return ""


@dataclass(slots=True)
class AstmMessage:
    header: Record
    records: list[Record]
    delimiters: Delimiters
    terminator: str | None  # L.3 code ('N', 'T', 'E'...), None when there is no L record

    @property
    def complete(self) -> bool:
        return self.terminator is not None and self.terminator not in ("T", "E", "R")


class AstmRecordError(CodecError):
    """A record that cannot be read, with ``place``: the record and field holding the bad byte."""

    def __init__(self, message: str, *, place: str | None = None) -> None:
        super().__init__(message)
        self.place = place

    def detail(self) -> str:
        """The text with :attr:`place` after its byte (``byte 96 (R.4 of R record 1): ...``), as
        ``device_quarantine`` keeps it."""
        at, sep, rest = str(self).partition(": ")
        return f"{at} ({self.place}): {rest}" if self.place and sep else str(self)


def _record_place(data: bytes, at: int, delims: Delimiters | None) -> str | None:
    """``R.4 of R record 3``: the field holding byte ``at`` of one record's bytes, the record's
    type and its sequence number (field 2; none for the header); None when the type byte itself
    is unreadable."""
    fd = delims.field.encode("latin-1") if delims is not None else data[1:2]
    parts = data.split(fd) if fd else [data]
    kind = parts[0].decode("latin-1").upper() if at >= len(parts[0]) else ""  # the whole field 1
    if kind not in RECORD_TYPES:
        return None
    sequence = parts[1].decode("latin-1") if kind != "H" and len(parts) > 1 else ""
    number = f" {sequence}" if sequence.isascii() and sequence.isdigit() else ""
    return f"{kind}.{data[:at].count(fd) + 1} of {kind} record{number}"


def _bytes_of(text: str, offset: int, encoding: str) -> str:
    """Where ``text`` starting at byte ``offset`` lies: ``bytes 10-11``, ``byte 10``, ``empty at byte 10``."""
    size = len(text.encode(encoding, errors="replace"))
    if size == 0:
        return f"empty at byte {offset}"
    return f"byte {offset}" if size == 1 else f"bytes {offset}-{offset + size - 1}"


def _held_after_unread(rec: Record, vendor: str, unread: Record, raw: bytes, device_id: str) -> Quarantine:
    """An R record after a record that could not be read and may have started a new patient or
    order (E1394: a P record starts a patient, an O record an order; a record of unknown type may
    have been either): held as ``after_unreadable_record``, naming that record's byte and text."""
    text = unread.delimiters.field.join(unread.fields)
    shown = text if len(text) <= 40 else text[:40] + "..."
    test = f" test {json_text(vendor)}" if vendor.strip("^") else ""
    return Quarantine(
        "after_unreadable_record",
        raw,
        rec.offset,
        device_id,
        f"R {rec.raw(2) or '?'}{test}: the record before it at byte {unread.offset}, {json_text(shown)},"
        f" could not be read (record type {json_text(unread.raw(1)[:10])}) and may have started a new"
        " patient or order, so whose result this is is not known; the results after it are held,"
        " not given to the patient before it, until the next readable P record",
    )


def split_record_bytes(
    raw: bytes, profile: DeviceProfile, counter: ToleranceCounter, base_offset: int = 0
) -> list[tuple[int, bytes]]:
    """(offset in ``raw``, bytes) of each non-empty record. LF as separator needs
    ``lf_record_separator``; the error names the LF's byte counted from ``base_offset``."""
    has_lf = b"\n" in raw
    if has_lf and not profile.tolerance.lf_record_separator:
        at = base_offset + raw.index(b"\n")
        raise CodecError(
            f"byte {at}: LF inside ASTM record text (records end with CR; "
            "profile switch lf_record_separator accepts LF and CR LF)"
        )
    if has_lf:
        counter.fire(profile.device_id, "lf_record_separator")
    return [(m.start(), m.group()) for m in _RECORD.finditer(raw)]


def parse_message(
    raw: bytes, profile: DeviceProfile, counter: ToleranceCounter | None = None, *, base_offset: int = 0
) -> AstmMessage:
    """Parse one LIS2 message (H ... L). Raises :class:`CodecError` with a byte offset."""
    counter = counter or ToleranceCounter()
    parts = split_record_bytes(raw, profile, counter, base_offset)
    if not parts:
        raise CodecError(f"byte {base_offset}: empty ASTM message")
    records: list[Record] = []
    delims: Delimiters | None = None
    terminator: str | None = None
    last: Record | None = None
    for off, data in parts:
        try:
            text = data.decode(profile.encoding)
        except UnicodeDecodeError as exc:
            raise AstmRecordError(
                f"byte {base_offset + off + exc.start}: byte 0x{data[exc.start]:02X} is not valid "
                f"{profile.encoding} (set the profile's encoding)",
                place=_record_place(data, exc.start, delims),
            ) from None
        control = _not_text(profile.encoding).search(data)
        if control is not None:
            # a latin-1 profile decodes every byte: a NUL or ESC in a value was taken as text
            byte = data[control.start()]
            rule = (
                f"no byte 255 (ÿ in {profile.encoding}) in a record"
                if byte == _BYTE_255
                else "no control character in a record but BEL, HT, VT, FF and CR"
            )
            raise AstmRecordError(
                f"byte {base_offset + off + control.start()}: byte 0x{byte:02X} is not valid in ASTM"
                f" text: E1394 allows {rule}, so the message is not used (check what the device sends"
                " in that field)",
                place=_record_place(data, control.start(), delims),
            )
        if delims is None:
            try:
                delims = delimiters_from_header(text, profile, counter)
            except CodecError as exc:
                raise CodecError(f"byte {base_offset + off}: {exc}") from None
            hdr = Record(
                [text[0], text[2:].split(delims.field, 1)[0], *text.split(delims.field)[2:]],
                off,
                delims,
                encoding=profile.encoding,
            )
            records.append(hdr)
            last = hdr
            continue
        rec = Record(text.split(delims.field), base_offset + off, delims, encoding=profile.encoding)
        if rec.type == "H":
            raise CodecError(f"byte {base_offset + off}: second H record inside one message")
        if rec.type == "C" and last is not None:
            last.comments.append(rec)  # a comment applies to the preceding record
            continue
        if rec.type == "L":
            terminator = rec.raw(3).strip().upper()[:1] or "N"
        records.append(rec)
        last = rec
    assert delims is not None
    return AstmMessage(records[0], records, delims, terminator)


def split_messages(raw: bytes) -> list[tuple[int, bytes]]:
    """Cut a record stream (joined frame text) into messages at each H record."""
    starts = [0]
    i = 0
    while True:
        j = min((k for k in (raw.find(b"\rH", i), raw.find(b"\nH", i)) if k >= 0), default=-1)
        if j < 0:
            break
        starts.append(j + 1)
        i = j + 1
    starts = sorted(set(starts))
    bounds = [*starts[1:], len(raw)]
    return [(s, raw[s:e]) for s, e in zip(starts, bounds, strict=True) if raw[s:e].strip(b"\r\n")]


def _abnormal_flags(rec: Record) -> tuple[str, ...]:
    """R.7, the result abnormal flags: every repeat (``H\\>``), unescaped and stripped, as sent."""
    d = rec.delimiters
    read = (unescape(f, d, rec.encoding).strip() if d.escape in f else f.strip() for f in rec.repeats(7))
    return tuple(f for f in read if f)


def _off_scale(result: DeviceResult, abnormal: tuple[str, ...]) -> DeviceResult:
    """A plain number R.7 flags ``<`` (below absolute low: off the instrument's low scale) or ``>``
    (above absolute high) is censored (``>8.0``): the true value is beyond it, never the number."""
    scale = {"<", ">"} & set(abnormal)
    if len(scale) != 1 or not _PLAIN_NUMBER.fullmatch(result.value.strip()):
        return result
    return replace(result, value=scale.pop() + result.value.strip())


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """One LIS2 message -> results and quarantined items. An unparseable message is quarantined
    whole with the reason; nothing raises for bad device data."""
    counter = counter or ToleranceCounter()
    mid = message_id(raw)
    try:
        msg = parse_message(raw, profile, counter, base_offset=base_offset)
    except CodecError as exc:
        reason = "undecodable_bytes" if "is not valid" in str(exc) else "unparseable_message"
        at = exc.byte_offset if exc.byte_offset is not None else base_offset  # counted with base_offset
        detail = exc.detail() if isinstance(exc, AstmRecordError) else str(exc)
        return [], [Quarantine(reason, raw, at, profile.device_id, detail)]
    zone = profile.zone
    fields = profile.astm
    header = msg.header
    # H.12 Q: a QC run; T (training) or D (debugging): no real measurement either, held as QC
    not_production = not_production_flag(header.components(12)[0])
    qc_message = header.raw(12).strip().upper()[:1] == "Q" or bool(not_production)
    complete = msg.complete
    if msg.terminator is None and profile.tolerance.missing_l_record:
        counter.fire(profile.device_id, "missing_l_record")
        complete = True
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    patient_id: str | None = None
    sample_id: str | None = None
    order_qc = False
    order_time = header_time = None
    bad_times: list[str] = []

    def ts(text: str) -> object:
        try:
            return parse_timestamp(text, zone)
        except ValueError as exc:
            bad_times.append(str(exc))
            return None

    header_time = ts(header.raw(14))
    # A record that could not be read may have been a P (or O) record: until the next readable P,
    # whose results the R records are is not known, and none is given to the patient before it.
    unread: Record | None = None
    for rec in msg.records:
        kind = rec.type
        if kind not in RECORD_TYPES:
            unread = rec
            problems.append(
                Quarantine(
                    "unknown_record",
                    raw,
                    rec.offset,
                    profile.device_id,
                    f"record type {json_text(rec.raw(1)[:10])} is not one of H P O R C M S Q L: field 1,"
                    f" {_bytes_of(rec.raw(1), rec.offset, profile.encoding)}, is the record type, one letter"
                    " (a frame number or other bytes beside it?); the record is not used",
                )
            )
        elif kind == "P":
            unread = None
            patient_id = next((v for v in (rec.ref(s) for s in fields.patient_id_fields) if v), None)
            sample_id, order_qc, order_time = None, False, None
        elif kind == "O":
            sample_id = next((v for v in (rec.ref(s) for s in fields.sample_id_fields) if v), None)
            specimen = [c.strip().upper() for c in rec.components(16)]
            order_qc = rec.raw(12).strip().upper() == "Q" or any(
                c.startswith(p) for c in specimen for p in fields.qc_specimen_prefixes if c
            )
            order_time = ts(rec.raw(7)) or ts(rec.raw(23))
        elif kind == "R":
            comps = rec.components(3)
            vendor = "^".join(
                comps[i - 1].strip() if i <= len(comps) else "" for i in fields.test_code_components
            )
            if unread is not None:
                problems.append(_held_after_unread(rec, vendor, unread, raw, profile.device_id))
                continue
            if not vendor.strip("^"):
                # An empty code is no identity: every such R would share one exactly-once key, and
                # all but the first be taken for resends. Usually the components point elsewhere.
                problems.append(
                    Quarantine(
                        "no_test_code",
                        raw,
                        rec.offset,
                        profile.device_id,
                        f"R {rec.raw(2) or '?'}: no test code in R.3 component(s) "
                        f"{list(fields.test_code_components)} (profile [astm] test_code_components); "
                        f"R.3 is {json_text(rec.raw(3))}",
                    )
                )
                continue
            d = rec.delimiters
            where = f"R {rec.raw(2) or '?'} test {json_text(vendor)}: R.4"
            which = escapes.one_value(
                rec.raw(4), d.repeat, d.component, where, (raw, rec.offset, profile.device_id)
            )
            if isinstance(which, Quarantine):
                problems.append(which)
                continue
            value_parts = rec.components(4, which)
            while value_parts and not value_parts[-1].strip():
                value_parts.pop()
            while value_parts and not value_parts[0].strip():
                value_parts.pop(0)
            raw_value = "^".join(value_parts)
            status = result_status(rec.raw(9), profile, counter)
            abnormal = _abnormal_flags(rec)
            unknown = tuple(UNKNOWN_FLAG + f for f in abnormal if f not in ABNORMAL_FLAGS)
            flags = abnormal + unknown + not_production
            if rec.raw(9).strip().upper()[:1] == "W":  # preliminary (result_status), and why
                flags += (QUESTIONABLE,)
            if unknown and status in ("final", "corrected"):  # a flag not read may say it is wrong
                status = "preliminary"
            if not complete:
                flags += (INCOMPLETE,)
                if msg.terminator is not None:  # the code that says why (T, R, E)
                    flags += (TERMINATION_FLAG + msg.terminator,)
                if status == "final":
                    status = "preliminary"
            when = ts(rec.raw(13)) or ts(rec.raw(12)) or order_time or header_time
            ref = rec.components(6)[0].strip() or None
            comments = tuple(
                " ".join(x for x in c.components(4) if x.strip()).strip() or c.text(4) for c in rec.comments
            )
            f = Fields(
                protocol="astm",
                message_id=mid,
                sample_id=sample_id,
                patient_id=patient_id,
                vendor_code=vendor,
                raw_value=raw_value,
                device_unit=rec.components(5)[0].strip() or None,
                status=status,
                qc=qc_message or order_qc,
                flags=flags,
                observed_at=when,  # type: ignore[arg-type]
                reference_range=ref,
                byte_offset=rec.offset,
                comments=tuple(c for c in comments if c),
            )
            result, problem = build_result(f, profile, counter, raw)
            results.append(_off_scale(result, abnormal))
            if problem is not None:
                problems.append(problem)
    for bad in bad_times:
        problems.append(Quarantine("bad_timestamp", raw, base_offset, profile.device_id, bad))
    return results, problems
