"""HL7 v2.x character sets: MSH-18's names (HL7 table 0211) and the reading of the MSH segment
before its character set is known.

MSH-18 names the character set of the whole message, the MSH segment included, but it comes
after MSH-3 to MSH-17, which may already hold text in that set (a Chinese analyzer's hospital
name in MSH-4). The delimiters are ASCII bytes, and in UTF-8 and the single-byte sets an ASCII
byte is always its ASCII character, so splitting the MSH line's bytes on the field separator
finds the fields. Not in GB 18030 (GBK), Big5 or Shift_JIS: there a two-byte character's second
byte may be 0x40 to 0x7E - ``|``, ``^``, ``~`` and ``\\`` among them (東 is 96 7C in GB 18030,
許 is B3 5C in Big5) -, nor in ISO-2022-JP (MSH-18 ``ISO IR87``), where between ESC $ B and
ESC ( B both bytes of a character are ASCII bytes (日本 is 46 7C 4B 5C) - so a byte split cuts
such a name in two and reads MSH-18 (and MSH-9, MSH-10...) one field off. :func:`read_msh` reads the MSH line in such a set when the reading
agrees with itself: MSH-18 read in it names it (or is empty and it is the profile's encoding).
"""

from __future__ import annotations

import codecs
from functools import cache

from referral.errors import json_text

#: MSH-18 character set names (HL7 table 0211) -> Python codecs.
CHARSETS: dict[str, str] = {
    "ASCII": "ascii",
    "ISO IR6": "ascii",
    "8859/1": "latin-1",
    "8859/2": "iso8859-2",
    "8859/3": "iso8859-3",
    "8859/4": "iso8859-4",
    "8859/5": "iso8859-5",
    "8859/6": "iso8859-6",
    "8859/7": "iso8859-7",
    "8859/8": "iso8859-8",
    "8859/9": "iso8859-9",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    # Table 0211's UNICODE (ISO/IEC 10646-1:1993, deprecated from v2.5) whose MSH reads as bytes:
    # not UCS-2, whose MSH never does (UTF16_MSH below); read as UTF-8, as HAPI's HL7Charsets does.
    "UNICODE": "utf-8",
    "GB 18030-2000": "gb18030",
    "GB18030": "gb18030",
    # JIS X 0208 (ISO IR87) and JIS X 0201's Roman set (ISO IR14, ESC ( J: HL7 2.7.2's \C284A\)
    # switched to by ISO 2022 escapes, which Python's iso2022_jp reads with ASCII (¥ on 0x5C, ‾ on
    # 0x7E in the Roman set); with JIS X 0212 (ISO IR159, ESC $ ( D) too, iso2022_jp_1 (:func:`decode`)
    "ISO IR87": "iso2022_jp",
    "ISO IR14": "iso2022_jp",
    "ISO IR159": "iso2022_jp_1",
    "KS X 1001": "euc_kr",
    "BIG-5": "big5",
}
#: The start of a message in UTF-16 or UTF-32: a byte-order mark (UTF-32's start as UTF-16's),
#: or the M of MSH with NUL bytes.
UTF16_MSH = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"M\x00S", b"\x00M\x00S", b"\x00\x00\x00M")
SET_UTF8 = "MLLP's byte framing cannot carry it: set the device's character set (MSH-18) to UNICODE UTF-8"
#: MSH-18 first repetitions refused by name, with why and what to set instead: table 0211's 2- and
#: 4-byte forms (MLLP frames bytes, and theirs hold its 0x0B, 0x1C and 0x0D and the delimiters
#: inside characters: HL7 MLLP does not support them); CNS 11643, whose characters have other bytes
#: than Big5's (陳 is DD F3 in EUC-TW, B3 AF in Big5: read as Big5, a name silently became another)
#: and which Python has no codec for; and JIS X 0201's Roman set as the message's default set.
REFUSED_CHARSETS: dict[str, str] = {
    "UNICODE UTF-16": SET_UTF8,
    "UNICODE UTF-32": SET_UTF8,
    "CNS 11643-1992": "CNS 11643 is not Big5 (a character has other bytes in each; HAPI reads this name"
    " as EUC-TW) and the gateway has no table to read CNS 11643 with: set the device's character set"
    " (MSH-18) to BIG-5 if it writes Big5, or to UNICODE UTF-8",
    "ISO IR14": "as the first repetition it makes JIS X 0201's Roman set the default, whose yen sign and"
    " overline are on the bytes of the escape and repetition characters (0x5C, 0x7E): send ASCII first"
    " and the Japanese sets after it (~ISO IR87, ~ISO IR14~ISO IR87), switched to with ISO 2022 escapes",
}
#: Why bytes declared ``UNICODE`` that are not UTF-8 are refused: what the name means and what to set.
UNICODE_READ_AS_UTF8 = (
    "MSH-18 UNICODE (table 0211's ISO/IEC 10646, deprecated from v2.5) is read as UTF-8, the only"
    " form of it MLLP's byte framing can carry, and these bytes are not UTF-8: set the device's"
    " character set (MSH-18) to UNICODE UTF-8, or to the set it writes (GB 18030, 8859/1...)"
)


#: 日 (46 7C) in JIS X 0208 between ISO 2022's ESC $ B and ESC ( B: one character whose bytes are ``F|``.
_JIS_RUN_WITH_BAR = b"\x1b$BF|\x1b(B"


@cache
def ascii_inside_characters(codec: str) -> bool:
    """Whether a character of ``codec`` may hold an ASCII byte after its first (``|`` 0x7C as the
    second byte of a two-byte character: GB 18030, GBK, Big5, Shift_JIS) or as any of its bytes
    (ISO-2022-JP, MSH-18 ``ISO IR87``: after ESC $ B both bytes of a character are 0x21 to 0x7E,
    日 is 46 7C); False for the single-byte sets, UTF-8, EUC-KR and a codec Python does not know."""
    try:
        return len(_decoded(_JIS_RUN_WITH_BAR, codec) or "") == 1 or any(
            len(_decoded(bytes([lead, 0x7C]), codec) or "") == 1 for lead in range(0x80, 0x100)
        )
    except LookupError:
        return False


def _decoded(data: bytes, codec: str) -> str | None:
    try:
        return decode(data, codec)
    except UnicodeDecodeError:
        return None


#: Table 0211's sets a message switches to through ISO 2022 escapes when a later repetition of
#: MSH-18 names them (HL7 table 0356, MSH-20 ``ISO 2022-1994``: the first repetition is the default
#: set, the later ones the alternates; Japanese systems send ``~ISO IR87``, ``ISO IR6~ISO IR87`` or
#: ``~ISO IR87~ISO IR159``), the one whose codec reads the others first: ISO IR159's reads JIS X
#: 0212, JIS X 0208 and the Roman set, ISO IR87's the last two, each with ASCII.
ISO2022_ALTERNATES = ("ISO IR159", "ISO IR87", "ISO IR14")
#: MSH-18's first repetition naming a default set the ISO 2022 codecs read (empty: ASCII, the
#: table's default; JIS X 0208 or 0212 named first, as some senders do, starts in ASCII too).
_ISO2022_DEFAULT = ("", "ASCII", "ISO IR6", "ISO IR87", "ISO IR159")


def declared_charset(fields: list[str]) -> str:
    """The set MSH-18 names for the message, upper case, from the MSH ``fields`` (split on the field
    separator: ``fields[n - 1]`` is MSH-n, ``fields[1]`` MSH-2): its first repetition, unless that
    is ASCII (or ISO IR87 or ISO IR159) and any repetition names a set switched to by ISO 2022
    escapes: then the first of :data:`ISO2022_ALTERNATES` named (``~ISO IR87`` is ``ISO IR87``,
    ``~ISO IR87~ISO IR159`` ``ISO IR159``); empty when it is not sent."""
    names = msh18_names(fields)
    if names[0] in _ISO2022_DEFAULT:
        return next((name for name in ISO2022_ALTERNATES if name in names), names[0])
    return names[0]


def msh18_names(fields: list[str]) -> list[str]:
    """MSH-18's repetitions, upper case, from the MSH ``fields`` (``[""]`` when it is not sent)."""
    if len(fields) <= 17:
        return [""]
    repeat = fields[1][1] if len(fields[1]) > 1 else "~"
    return [name.strip().upper() for name in fields[17].split(repeat)]


def refused_charset(fields: list[str]) -> str | None:
    """Why the set MSH-18's first repetition names is refused (:data:`REFUSED_CHARSETS`), or None."""
    return REFUSED_CHARSETS.get(msh18_names(fields)[0])


#: JIS X 0212's designation (ISO IR159) and its TILDE (row 2, cell 23), which Python's table reads
#: as U+007E, HL7's repetition character (the table's only character read as a delimiter): read as
#: U+FF5E FULLWIDTH TILDE, as glibc's iconv reads it, it stays a character of its field.
_JIS_X0212, _JIS_X0212_TILDE = b"$(D", b"\x22\x37"


def decode(data: bytes, codec: str) -> str:
    """``data`` read in ``codec`` (strict: :class:`UnicodeDecodeError` at ``data``'s offsets), JIS
    X 0212's TILDE as U+FF5E where ``codec`` reads JIS X 0212 (ISO-2022-JP-1, -2)."""
    at, pieces = 0, []
    for tilde in _x0212_tildes(data) if b"\x1b" + _JIS_X0212 in data and _reads_x0212(codec) else []:
        pieces += [_decode_piece(data, at, tilde, codec), "\uff5e"]
        at = tilde + 2
    return "".join([*pieces, _decode_piece(data, at, len(data), codec)])


def _x0212_tildes(data: bytes) -> list[int]:
    """Offsets of JIS X 0212's TILDE in ``data``'s runs of JIS X 0212 (after ESC $ ( D, two bytes a
    character up to the next escape)."""
    found: list[int] = []
    at = 0
    for n, part in enumerate(data.split(b"\x1b")):
        if n and part.startswith(_JIS_X0212):
            run = at + len(_JIS_X0212)
            pairs = range(run, at + len(part) - 1, 2)
            found += [i for i in pairs if data[i : i + 2] == _JIS_X0212_TILDE]
        at += len(part) + 1
    return found


@cache
def _reads_x0212(codec: str) -> bool:
    try:
        return b"\x1b$(D\x30\x21".decode(codec) == "\u4e02"  # 丂, JIS X 0212's first kanji
    except (UnicodeDecodeError, LookupError):
        return False


def _decode_piece(data: bytes, start: int, end: int, codec: str) -> str:
    """``data[start:end]`` read in ``codec``; after a TILDE (``start`` > 0) still in JIS X 0212."""
    resume = b"\x1b" + _JIS_X0212 if start else b""
    try:
        return (resume + data[start:end]).decode(codec)
    except UnicodeDecodeError as exc:
        shift = start - len(resume)
        raise UnicodeDecodeError(exc.encoding, data, exc.start + shift, exc.end + shift, exc.reason) from None


#: ISO 2022 designations of a set table 0211 names that a message's reading may not hold (MSH-18
#: ``ISO IR87`` alone is read as ISO-2022-JP, which has no ESC $ ( D): the set and its MSH-18 name.
ISO2022_DESIGNATIONS = {b"$(D": ("JIS X 0212", "ISO IR159")}


def unnamed_switch(data: bytes, at: int, msh18: str) -> str | None:
    """Why byte ``at`` of ``data``, which the message's set does not read, is refused when it is
    the ESC of a switch to a set MSH-18 (``msh18``, as sent) does not name, in words that say what
    to set; None for any other byte."""
    for designation, (name, iso_ir) in ISO2022_DESIGNATIONS.items():
        if data.startswith(b"\x1b" + designation, at):
            switch = " ".join(["ESC", *designation.decode("ascii")])
            return (
                f"{switch} ({name}, {iso_ir}) is not valid in the sets MSH-18 {json_text(msh18)}"
                f" names: {name} characters need MSH-18 to name {iso_ir} as well (~ISO IR87~{iso_ir})"
            )
    return None


def _same(codec: str | None, other: str) -> bool:
    try:
        return codec is not None and codecs.lookup(codec).name == codecs.lookup(other).name
    except LookupError:
        return False


def read_msh(line: bytes, fs: str, profile_encoding: str | None) -> tuple[list[str], str | None]:
    """The MSH ``line``'s fields split on the field separator ``fs`` (``fields[n - 1]`` is MSH-n)
    and the codec they were read in: its bytes split as they are (latin-1, codec None) unless
    their MSH-18 names no set whose characters never hold an ASCII byte and a reading in a set
    whose characters may (the one MSH-18 seems to name, the profile's encoding, then GB 18030,
    ISO IR87's ISO-2022-JP and Big5 of table 0211) agrees with itself - its MSH-18 names that
    set, or else is empty and the set is the profile's encoding (a Shift_JIS profile reads an
    ISO-2022-JP line too, cut where the byte split cuts it, so a reading naming its own set wins)."""
    plain = line.decode("latin-1").split(fs)
    named = CHARSETS.get(declared_charset(plain))
    if named is not None and not ascii_inside_characters(named):
        return plain, None  # the byte split is right: no character of the set holds a delimiter
    tried: list[str] = []
    unnamed: tuple[list[str], str | None] = (plain, None)
    for codec in (named, profile_encoding, *CHARSETS.values()):
        if codec is None or not ascii_inside_characters(codec) or any(_same(codec, t) for t in tried):
            continue
        tried.append(codec)
        text = _decoded(line, codec)
        if text is None:
            continue
        fields = text.split(fs)
        declared = declared_charset(fields)
        if _same(CHARSETS.get(declared), codec):
            return fields, codec
        if not declared and profile_encoding is not None and _same(profile_encoding, codec):
            unnamed = (fields, codec)
    return unnamed


def field_byte(line: bytes, fields: list[str], n: int, fs: str, codec: str | None) -> int:
    """The byte at which MSH-``n`` starts in the MSH ``line`` ``fields`` were read from
    (:func:`read_msh`), counted on the line's own bytes: its text written back in ``codec`` may
    have other bytes (JIS X 0212's TILDE, read as U+FF5E, which ISO-2022-JP-1 cannot write)."""
    pieces = split_bytes(line, fields, fs, codec or "latin-1")
    if pieces is None:  # not reached for a line read in ``codec``: the text's length is a guess
        return len(fs.join(fields[: n - 1]).encode(codec or "latin-1", errors="replace")) + 1
    return sum(len(piece) + 1 for piece in pieces[: n - 1])


def split_bytes(line: bytes, parts: list[str], fs: str, codec: str) -> list[bytes] | None:
    """``line``'s bytes cut where its text, read in ``codec``, was split into ``parts`` on the
    field separator ``fs``: each part's bytes as sent (a GB 18030 or ISO-2022-JP character's
    ``|`` byte stays inside its part); None when the reading does not give ``parts``."""
    sep = fs.encode("latin-1", errors="replace")
    if line.count(sep) == len(parts) - 1 and len(sep) == 1:
        return line.split(sep)  # every separator byte separates
    cuts, at = [-1], 0
    for k in range(1, len(parts)):
        before = fs.join(parts[:k])
        at = line.find(sep, at)
        while at >= 0 and _decoded(line[:at], codec) != before:
            at = line.find(sep, at + 1)
        if at < 0:
            return None
        cuts.append(at)
        at += 1
    pieces = [line[start + 1 : end] for start, end in zip(cuts, [*cuts[1:], len(line)], strict=True)]
    return pieces if _decoded(line, codec) == fs.join(parts) else None


def msh_field_bytes(line: bytes, parts: list[str], fs: str, codec: str) -> tuple[bytes, ...]:
    """The MSH ``line``'s fields as sent, MSH-n's bytes at index n (0 ``MSH``, 1 the separator),
    from its text read in ``codec`` and split on ``fs`` into ``parts`` (:func:`split_bytes`);
    empty when that reading does not give them."""
    sent = split_bytes(line, parts, fs, codec)
    return (sent[0], line[3:4], *sent[1:]) if sent else ()


def stands_alone(data: bytes, text: str, codec: str) -> bool:
    """Whether ``data`` (a field's bytes as sent) reads as ``text`` in ``codec`` wherever it is put:
    from the set's start and back in it at its end (an ISO-2022-JP field ending in JIS X 0201's
    Roman set would turn the ``\\`` and ``~`` after it into a yen sign and an overline)."""
    return _decoded(data + b"\\~", codec) == text + "\\~"


def _code_point(exc: UnicodeError) -> tuple[str, int]:
    """What a character an ACK's set cannot write is written as (never ``?``, another character):
    its code point, ``U+00BD`` (not reached for text read from the message: :func:`encode`)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(f"U+{ord(c):04X}" for c in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("hl7_code_point", _code_point)


def encode(text: str, codec: str) -> bytes:
    """``text`` written in ``codec``, the inverse of :func:`decode`: U+FF5E (JIS X 0212's TILDE as
    :func:`decode` reads it) as JIS X 0212's 22 37 where ``codec`` reads JIS X 0212, since
    ISO-2022-JP-1's table has no U+FF5E; a character the set cannot write as its code point
    (``U+00BD`` for ½), never ``?``."""
    if "\uff5e" not in text or not _reads_x0212(codec):
        return text.encode(codec, errors="hl7_code_point")
    tilde = b"\x1b" + _JIS_X0212 + _JIS_X0212_TILDE + b"\x1b(B"
    return tilde.join(encode(part, codec) for part in text.split("\uff5e"))
