"""The charset a JSON body is declared in (``Content-Type: application/json; charset=...``).

JSON between systems is UTF-8 (RFC 8259 8.1), and a body without a charset is read as JSON's byte
reader reads it (UTF-8; UTF-16 and UTF-32 are told by their zero bytes). A body that declares
another charset - a hospital system's ``charset=ISO-8859-1`` or ``charset=GBK`` - is decoded by it:
the declared charset was ignored and the bytes read as UTF-8, so a latin-1 "é" (the byte 0xe9) was a
400 "not UTF-8", and latin-1 text whose bytes are valid UTF-8 too ("Ã©", 0xc3 0xa9) was stored as
another name ("é") without a word. A body with bytes its charset does not have is a 400 naming the
charset, the byte and where; a charset that is no text encoding of the web (:data:`TAKEN`: not
``rot13``, ``unicode_escape``, ``idna``, ``utf-7``, which would read a JSON text as another) or not
known is a 415 ``unsupported_charset`` naming ``header.Content-Type`` and UTF-8."""

from __future__ import annotations

import codecs
import json
import re

from starlette.exceptions import HTTPException

WHERE = "header.Content-Type"
#: The charsets a body may declare, by Python's codec name: Unicode, ASCII, ISO 8859, Windows and
#: the Chinese, Japanese, Korean and Cyrillic charsets of the WHATWG Encoding Standard.
TAKEN = re.compile(
    r"utf-(8|16|32)(-le|-be)?|ascii|iso8859-\d{1,2}|cp125\d|cp874|gbk|gb2312|gb18030|big5(hkscs)?"
    r"|shift_jis|euc_jp|euc_kr|koi8-[ru]"
)


def declared(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` value (RFC 9110 8.3.1: a case-insensitive
    name, the value a token or a quoted string), or ``None`` when it has none."""
    for parameter in (content_type or "").split(";")[1:]:
        name, equals, value = parameter.partition("=")
        if equals and name.strip().lower() == "charset":
            return value.strip().strip('"')
    return None


def codec(content_type: str | None) -> str | None:
    """The codec to decode a body of ``content_type`` with: ``None`` for no charset or UTF-8 (JSON's
    byte reader reads those); a 415 for a charset not taken."""
    charset = declared(content_type)
    if charset is None:
        return None
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = ""
    if not TAKEN.fullmatch(name):
        raise HTTPException(
            415,
            f"{WHERE}: charset={charset} is not supported; send the JSON encoded as UTF-8 (RFC 8259"
            " 8.1), with Content-Type: application/json (charset=utf-8 or none); a body in another"
            " charset of the web (ISO-8859-1, windows-1252, GBK, GB18030, Big5, Shift_JIS ...) is"
            " read when its charset is named",
        )
    return None if name == "utf-8" else name


def text_of(body: bytes, content_type: str | None) -> str:
    """``body`` as text: by the charset ``content_type`` declares, else as JSON's byte reader tells
    it (UTF-8, or UTF-16 or UTF-32 by their zero bytes). Bytes not of the charset declared are a
    400 naming it; bytes not UTF-8 without one stay the ``UnicodeDecodeError`` the service says
    as "body: not UTF-8 (byte ... at offset ...)". (Decoded here, before JSON is read, so that the
    checks of the text - a NUL - see it as JSON will, also in UTF-16.)"""
    name = codec(content_type)
    if name is None:
        detected = json.detect_encoding(body)
        if detected in ("utf-8", "utf-8-sig"):
            return body.decode(detected)  # (its error: the service's "not UTF-8" message)
        return _decoded(
            body, detected, f"{detected.upper()}, which its zero bytes suggest", "encoded as UTF-8"
        )
    return _decoded(
        body,
        name,
        f"{declared(content_type)} as its Content-Type says",
        "in the charset it names, or as UTF-8",
    )


def _decoded(body: bytes, name: str, said: str, send: str) -> str:
    try:
        return body.decode(name)
    except UnicodeDecodeError as exc:
        where = f"byte 0x{body[exc.start]:02x} at offset {exc.start}"
        raise HTTPException(400, f"body: not {said} ({where}); send it {send}") from None
