"""A device result of an ASTM message that did not end complete: the flags the gateway stores on it
and why it is not final, in words - its L record's termination code (E1394 / LIS2-A2 L.3) or no L
record at all. Here, in the bottom layer, because the gateway's hold (``devices.hold``), ``triage
devices replay`` and the held worklist (``referral.held_why``, the API's ``why_text``) say the
same words. No framework imports: a plain vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

#: The flag of a device result whose ASTM message did not end complete: its L record gave a
#: termination code that aborts it (T, E, R), or the message had no L record; such a result is
#: stored ``preliminary`` whatever status the device gave it (``devices.results.INCOMPLETE``).
INCOMPLETE_FLAG = "incomplete_message"
#: Flag beside ``INCOMPLETE_FLAG`` naming the L record's termination code (L.3) that made the message
#: incomplete: ``astm_termination_T``. Without it (no L record) the message ended without one.
TERMINATION_FLAG = "astm_termination_"
#: What the L.3 termination codes that make a message incomplete mean (E1394 / LIS2-A2 L.3: N
#: normal, T sender aborted, R receiver requested abort, E unknown system error; Q, I and F answer a
#: request, and end a message complete).
TERMINATION_SAYS: dict[str, str] = {
    "T": "the sender aborted the message",
    "R": "the receiver requested that the message be aborted",
    "E": "an unknown system error ended the message",
}


def termination_code(flags: Sequence[str]) -> str | None:
    """The ASTM L record's termination code (T, R, E...) that left a result's message incomplete,
    from its flags (``astm_termination_T``); None when the message had no L record."""
    return next((f.removeprefix(TERMINATION_FLAG) for f in flags if f.startswith(TERMINATION_FLAG)), None)


def incomplete_why(flags: Sequence[str]) -> str:
    """Why a result of an incomplete message (:data:`INCOMPLETE_FLAG`) is not final, from its flags:
    "the sender aborted the message (L record termination code T)", or that the message had no L
    record."""
    code = termination_code(flags)
    if code is None:
        return "the message ended without its L record (terminator): a transfer cut off, or a device that sends none"
    return (
        f"{TERMINATION_SAYS.get(code, 'the message did not end complete')} (L record termination code {code})"
    )
