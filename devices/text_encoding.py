"""The character encoding a device profile names (``encoding``): one the gateway can frame.

Every link layer finds its frames in the raw bytes before any text is decoded - ASTM's STX, ETX,
ETB, CR, LF, ENQ, ACK, NAK and EOT, MLLP's VT, FS and CR, the line protocols' CR, LF, STX, ETX,
RS and GS, POCT1-A2's XML markup - and the ASTM and HL7 codecs split records and segments at the
CR byte; the acknowledgements the gateway sends are ASCII text encoded with the profile's
encoding. So every byte below 0x80 must be its ASCII character both ways, as in latin-1, cp1252,
utf-8, gb18030 or big5. UTF-16 and UTF-32 send each ASCII character as two or four bytes (STX is
00 02), EBCDIC code pages (cp037, cp500...) give other bytes to the ASCII characters (STX is
0x02 but '|' is 0x4F), and stateful encodings (utf-7, hz, iso2022_*) make ASCII bytes parts of
other characters: a profile naming one would decode nothing, so it is refused when it is read.
"""

from __future__ import annotations

import codecs

from referral.errors import json_text

#: Encodings that frame, for the refusal's advice (each checked by :func:`framing_problem`).
WORKS = ("latin-1", "cp1252", "utf-8", "gb18030", "big5", "shift_jis", "euc-kr", "cp1251")

#: ASCII text whose bytes a stateful or escaping codec reads as something else (utf-7's "+...-",
#: hz's "~{", the unicode_escape codecs' backslash escapes), beside the 128 bytes one by one.
_SEQUENCES = b"+AGEA- ~{ab~} \\u0041 \\x41 \\N{DIGIT ONE}"


#: The bytes looked at first, so that the refusal names one that frames: STX, ETX, CR, then "|".
_FIRST = {0x02: "STX (0x02)", 0x03: "ETX (0x03)", 0x0D: "CR (0x0D)", 0x7C: '"|" (0x7C)'}


def framing_problem(name: str) -> str | None:
    """Why the gateway cannot frame a device's bytes in ``name`` (a known codec), or None."""
    info = codecs.lookup(name)
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, hex...
        return f"{json_text(name)} is a bytes-to-bytes transform, not a character encoding"
    for byte in [*_FIRST, *range(0x80)]:
        written = _encoded(chr(byte), name)
        read = _decoded(bytes([byte]), name)
        if written == bytes([byte]) and read == chr(byte):
            continue
        what = _FIRST.get(byte, f"ASCII 0x{byte:02X}")
        sent = "cannot be written" if written is None else f"is written {written.hex(' ').upper()}"
        got = "is no character alone" if read is None else f"reads as {json_text(read)}"
        return (
            f"{json_text(name)} is not ASCII-compatible: in it {what} {sent}, and the byte 0x{byte:02X} {got}"
        )
    ascii_text = _SEQUENCES.decode("ascii")
    read = _decoded(_SEQUENCES, name)
    if read != ascii_text:
        return (
            f"{json_text(name)} is not ASCII-compatible: it reads runs of ASCII bytes as other characters"
            f" ({json_text(ascii_text)} reads as {json_text(read) if read is not None else 'an error'})"
        )
    return None


def _encoded(text: str, name: str) -> bytes | None:
    try:
        return text.encode(name)
    except (UnicodeError, ValueError):
        return None


def _decoded(data: bytes, name: str) -> str | None:
    try:
        return data.decode(name)
    except (UnicodeError, ValueError):
        return None


def refusal(name: str) -> str | None:
    """The profile's ``encoding`` refusal for ``name``, saying why and which encodings work, or
    None when the gateway can frame it."""
    problem = framing_problem(name)
    if problem is None:
        return None
    return (
        f"{problem}: the gateway finds the frames (STX, ETX, CR, LF, MLLP's VT and FS...) in the raw"
        " bytes the device sends before it decodes any text, so every byte below 0x80 must be its"
        f" ASCII character (UTF-16, UTF-32, EBCDIC code pages such as cp037 are not); use one that is:"
        f" {', '.join(WORKS)}"
    )
