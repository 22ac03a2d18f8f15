"""A device result's flags as the referral log keeps them: one text column, ``device_results.flags``,
the flags joined with commas and read back by splitting at them. The gateway's own flags
(``incomplete``, ``clock_ahead``...) never hold a comma, but a flag kept as the device sent it may:
an ASTM R.7 flag E1394 does not define (a vendor writing ``H,A`` where E1394 repeats ``H\\A``), an
HL7 OBX-8 repetition. Written as it was, ``H,A`` came back as two flags, ``H`` and ``A``, and the
hold named the defined flag ``H`` as one E1394 does not define. So inside a flag a comma is written
``%2C`` and the percent sign ``%25`` (as URLs write them) and read back so; the column's SQL
look-ups of the gateway's own flags (``referral.review``) are unchanged. No framework imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATOR = ","
_WRITTEN = {"%": "%25", ",": "%2C"}
_READ = re.compile("%(25|2C)", re.IGNORECASE)


def flags_text(flags: Iterable[str]) -> str | None:
    """``flags`` as the column keeps them (None for none)."""
    text = _SEPARATOR.join(re.sub("[%,]", lambda m: _WRITTEN[m.group()], f) for f in flags)
    return text or None


def flag_list(text: str | None) -> list[str]:
    """The flags of a column's ``text`` (:func:`flags_text`), each whole as it was sent."""
    if not text:
        return []
    return [_READ.sub(lambda m: "%" if m.group(1) == "25" else ",", f) for f in text.split(_SEPARATOR)]
