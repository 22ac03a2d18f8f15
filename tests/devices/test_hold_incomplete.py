"""A result of a message that did not end complete is held saying so, not as "preliminary".

An ASTM message whose L record says the transfer was aborted or failed (termination code T, E or
R) - or that has no L record - may be partial, so its results are stored preliminary and held,
whatever status the device gave them. The hold said 'result status "preliminary" is not final':
the device had sent F (final), so an integrator or nurse checking the device found it final and
the hold unexplained. Now it says why. The real codec on captures in the cobas c311's record
layout (SYNTHETIC patient and values), the gateway's own hold rule.
"""

from __future__ import annotations

import pytest

from devices.decode import decode_message
from devices.hold import holds
from devices.profile import load_profile
from devices.results import to_inbox_result

RECEIVED = "2024-02-03T05:21:00.000000+00:00"


def _capture(last: str) -> bytes:
    records = [
        "H|\\^&|||c311^1|||||host|RSUPL^REAL|P|1",
        "P|1||SIM-PAT-1",
        "O|1|SIM-1||^^^717/|R",
        "R|1|^^^717/|5.85|mmol/l||N||F||||20240203132011|P1",
        *([last] if last else []),
    ]
    return "".join(r + "\r" for r in records).encode()


@pytest.mark.parametrize(
    ("last", "why"),
    [
        ("L|1|E", "an unknown system error ended the message (L record termination code E)"),
        ("L|1|T", "the sender aborted the message (L record termination code T)"),
        ("L|1|R", "the receiver requested that the message be aborted (L record termination code R)"),
        (
            "",
            "the message ended without its L record (terminator): a transfer cut off, or a device that sends none",
        ),
    ],
)
def test_a_final_result_of_an_incomplete_message_is_held_saying_why(last: str, why: str) -> None:
    # the hold said "termination code T, E or R" whatever the L record said: it names the code now
    (result,), _ = decode_message(load_profile("roche-cobas_c311"), _capture(last))
    assert result.status == "preliminary"  # sent F
    reasons = dict(holds(to_inbox_result(result, RECEIVED)))
    assert reasons["not_final"] == (
        f"its message did not end complete: {why}, so the result is stored preliminary whatever"
        " status the device gave it: check it on the device; sent again in a complete message, it"
        " replaces this one"
    ), reasons


def test_a_final_result_of_a_complete_message_is_not_held_as_not_final() -> None:
    (result,), _ = decode_message(load_profile("roche-cobas_c311"), _capture("L|1|N"))
    assert result.status == "final"
    assert "not_final" not in dict(holds(to_inbox_result(result, RECEIVED)))
