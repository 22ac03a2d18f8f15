"""The ASTM result abnormal flags (E1394 / LIS2-A2 R.7) a device result carries, and why one with a
flag the standard does not define is held, in words. Here, in the bottom layer, because the
gateway's hold (``devices.hold``), ``triage devices replay``, the engine's intake and the held
worklist (``referral.held_why``, the API's ``why_text``) say the same words. No framework imports:
a plain vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

from referral.errors import json_text

#: E1394 / LIS2-A2 R.7, the result abnormal flags: L below low normal, H above high normal, LL
#: below panic low, HH above panic high, < below absolute low (off the instrument's low scale), >
#: above absolute high, N normal, A abnormal, U significant change up, D down, B better, W worse.
ABNORMAL_FLAGS = ("L", "H", "LL", "HH", "<", ">", "N", "A", "U", "D", "B", "W")
#: Prefix of the flag beside an R.7 flag that is none of ``ABNORMAL_FLAGS`` (``abnormal_flag_unknown:*``):
#: what the device means by it is not known, so the result is stored preliminary and held.
UNKNOWN_FLAG = "abnormal_flag_unknown:"


def unknown_flags(flags: Sequence[str]) -> tuple[str, ...]:
    """The R.7 flags E1394 does not define that a result carries (``UNKNOWN_FLAG``), as sent."""
    return tuple(f.removeprefix(UNKNOWN_FLAG) for f in flags if f.startswith(UNKNOWN_FLAG))


def unknown_flag_why(flags: Sequence[str]) -> str | None:
    """Why a result with an R.7 flag E1394 does not define (``UNKNOWN_FLAG``) is held, or None."""
    unknown = unknown_flags(flags)
    if not unknown:
        return None
    return (
        f"the device flagged the result {', '.join(json_text(f) for f in unknown)}"
        f" in ASTM R.7 (result abnormal flags), none of the flags E1394 defines ({', '.join(ABNORMAL_FLAGS)}):"
        " what it means is not known here, so the result is stored preliminary - check it on the device"
        " (its manual says what the flag means); sent again as final without it, it replaces this one"
    )
