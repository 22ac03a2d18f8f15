"""Escape sequences inside field data, as ASTM E1394 and HL7 v2 share them: ``<e>F<e>`` for the
field delimiter, ``<e>Xhh..<e>`` for raw bytes, and so on, with the message's own escape character.

Each standard names its own sequences (``triage`` never sees them); this module resolves them.
"""

from __future__ import annotations

from collections.abc import Mapping

_HEX = frozenset("0123456789ABCDEFabcdef")


def resolve(text: str, escape: str, named: Mapping[str, str]) -> str:
    """``text`` with its escape sequences resolved left to right: a sequence in ``named`` becomes
    its text, ``<e>Xhh..<e>`` the Latin-1 characters of its hex bytes; an unknown sequence (or a
    lone escape character) is kept as sent. Left to right, ``<e>E<e>R<e>`` is a literal escape
    character followed by ``R<e>``, never a repeat."""
    if escape not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        j = text.find(escape, i + 1) if c == escape else -1
        if j < 0:
            out.append(c)
            i += 1
            continue
        seq = text[i + 1 : j]
        if seq in named:
            out.append(named[seq])
        elif seq[:1] == "X" and len(seq) > 1 and len(seq) % 2 == 1 and _HEX.issuperset(seq[1:]):
            out.append(bytes.fromhex(seq[1:]).decode("latin-1"))
        else:
            out.append(text[i : j + 1])
        i = j + 1
    return "".join(out)
