"""Escape sequences inside field data, as ASTM E1394 and HL7 v2 share them: ``<e>F<e>`` for the
field delimiter, ``<e>Xhh..<e>`` for raw bytes, and so on, with the message's own escape character.

Each standard names its own sequences (``triage`` never sees them); this module resolves them.
Both standards also let a value field repeat; :func:`one_value` says which repetition holds the
value, or quarantines a field with several (one result holds one value).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from devices.results import Quarantine
from referral.errors import json_text

_HEX = frozenset("0123456789ABCDEFabcdef")


def resolve(text: str, escape: str, named: Mapping[str, str], charset: str = "latin-1") -> str:
    """``text`` with its escape sequences resolved left to right: a sequence in ``named`` becomes
    its text, ``<e>Xhh..<e>`` its hex bytes read in the message's ``charset`` (HL7 v2.5.1 2.7: hex
    data, its meaning the message's; ASCII's as Latin-1, the bytes it cannot hold being what hex
    data is sent for) - kept as sent when ``charset`` cannot read them (half a UTF-8 character):
    no character is invented from them; an unknown sequence (or a lone escape character) is kept
    as sent. Left to right, ``<e>E<e>R<e>`` is a literal escape character followed by ``R<e>``,
    never a repeat."""
    if escape not in text:
        return text
    out: list[str] = []
    at = 0
    for i, j in _sequences(text, escape):
        out.append(text[at:i])
        seq = text[i + 1 : j]
        if seq in named:
            out.append(named[seq])
        elif seq[:1] == "X" and len(seq) > 1 and len(seq) % 2 == 1 and _HEX.issuperset(seq[1:]):
            out.append(_hex_text(seq[1:], charset) or text[i : j + 1])
        else:
            out.append(text[i : j + 1])
        at = j + 1
    return "".join([*out, text[at:]])


def _sequences(text: str, escape: str) -> list[tuple[int, int]]:
    """Where ``text``'s escape sequences are, read left to right: each one's opening and closing
    escape characters' indexes (a lone escape character opens none)."""
    found: list[tuple[int, int]] = []
    i = text.find(escape)
    while i >= 0:
        j = text.find(escape, i + 1)
        if j < 0:
            break
        found.append((i, j))
        i = text.find(escape, j + 1)
    return found


#: HL7 v2.5.1 2.7.2's character-set switches inside a field (MSH-20 ``2.3``, HL7 table 0356): ISO
#: 2022's escape bytes written as hex, ``<e>Cxxyy<e>`` a single-byte set (``\C2842\`` ASCII,
#: ``\C284A\`` JIS X 0201's Roman set), ``<e>Mxxyy[zz]<e>`` a multi-byte one (``\M2442\`` JIS X
#: 0208, ``\M242844\`` JIS X 0212). Not read: see :func:`unread_switches`.
_SWITCH = re.compile(r"C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{2})?")


def unread_switches(fields: Mapping[str, str], escape: str) -> tuple[str, ...]:
    """What the result's detail says of each of ``fields`` (its name, ``OBX-5``, and its text as
    sent) that holds an HL7 character-set switch: :func:`resolve` keeps it as sent and reads the
    text after it in the message's set, not the one it switches to. Reading that set is no fix:
    after ``\\M2442\\`` JIS X 0208's two-byte characters are ASCII bytes, the delimiters among them
    (日 is 46 7C, ``F|``), so the field was already cut there and some names would come out
    right and others silently wrong; Japanese senders use ISO 2022's own escapes (MSH-18
    ``~ISO IR87``), which the codec reads."""
    notes = []
    for name, text in fields.items():
        switches = [
            text[i : j + 1] for i, j in _sequences(text, escape) if _SWITCH.fullmatch(text[i + 1 : j])
        ]
        if switches:
            notes.append(
                f"{name} holds the HL7 character-set escape {', '.join(switches)} (HL7 v2.5.1 2.7.2), which the"
                " gateway does not read: the text after it is kept as sent, not as that set's characters;"
                " set the device to send ISO 2022 escapes (MSH-18 ~ISO IR87) or UNICODE UTF-8"
            )
    return tuple(notes)


def _hex_text(digits: str, charset: str) -> str | None:
    """The characters of hex ``digits``'s bytes in ``charset`` (ASCII: Latin-1), None when it cannot
    read them."""
    codec = "latin-1" if codecs.lookup(charset).name == "ascii" else charset
    try:
        return bytes.fromhex(digits).decode(codec)
    except UnicodeDecodeError:
        return None


def one_value(
    field: str, repeat: str, component: str, where: str, problem: tuple[bytes, int | None, str]
) -> int | Quarantine:
    """The index of the one repetition of value ``field`` that holds something (0 when none does),
    or - when several do - a ``repeated_value`` quarantine item: keeping the first would drop the
    others unseen, so the record goes to a person whole. ``where`` names the record and field
    (``R 1 test "GLU": R.4``); ``problem`` is (raw message, byte offset, device id)."""
    filled = [i for i, rep in enumerate(field.split(repeat)) if rep.strip(component + " ")]
    if len(filled) <= 1:
        return filled[0] if filled else 0
    raw, offset, device_id = problem
    return Quarantine(
        "repeated_value",
        raw,
        offset,
        device_id,
        f"{where} holds {len(filled)} values (repeat delimiter {json_text(repeat)}); "
        "a result has one value, so it is not used",
    )
