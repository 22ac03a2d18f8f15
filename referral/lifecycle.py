"""The referral state machine (pure): which transitions exist and what each one requires.

::

    proposed -> sent -> accepted -> arrived -> completed (feedback from the receiving hospital)
        |         |  \\-> declined     |
        |         |                   \\-> cancelled (before arrival)
        \\---------+------> cancelled

``completed``, ``declined`` and ``cancelled`` are final. Every other status is **open**
(:data:`OPEN_STATUSES`): an arrived patient's referral stays open until the receiving hospital's
feedback completes it. The second-referral guard (``referral.referrals.open_referrals``) and the
device pipeline's automatic proposal both read this one definition.
"""

from __future__ import annotations

from typing import Final

from referral.errors import TransitionError, json_text

ALLOWED: Final[dict[str, frozenset[str]]] = {
    "proposed": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"accepted", "declined", "cancelled"}),
    "accepted": frozenset({"arrived", "cancelled"}),
    "arrived": frozenset({"completed"}),
    "completed": frozenset(),
    "declined": frozenset(),
    "cancelled": frozenset(),
}
STATUSES: Final = tuple(ALLOWED)
FINAL: Final = frozenset(status for status, targets in ALLOWED.items() if not targets)
#: Not final: the referral is still going on (proposed, sent, accepted, arrived), in lifecycle order.
OPEN_STATUSES: Final = tuple(status for status in STATUSES if status not in FINAL)
INITIAL: Final = "proposed"
NEEDS_NOTE: Final = frozenset({"declined", "cancelled"})


def check_transition(current: str, target: str) -> None:
    """Raise :class:`TransitionError` unless ``current -> target`` is allowed."""
    if current not in ALLOWED:
        raise TransitionError(f"unknown referral status {json_text(current)}; known: {', '.join(STATUSES)}")
    if target not in ALLOWED:
        raise TransitionError(f"unknown referral status {json_text(target)}; known: {', '.join(STATUSES)}")
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current])) or "none (final status)"
        raise TransitionError(
            f"a referral cannot go from {json_text(current)} to {json_text(target)}; allowed from {json_text(current)}: {allowed}",
            # the API's ``context``: a client whose retry finds the status it asked for already
            # reached (the first request went through) can tell that from a real conflict
            params={"status": current, "requested": target, "allowed": sorted(ALLOWED[current])},
        )


def timestamp_column(status: str) -> str:
    """The ``referrals`` column that records when a status was reached."""
    return "created_at" if status == INITIAL else f"{status}_at"
