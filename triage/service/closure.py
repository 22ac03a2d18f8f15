"""Closing an encounter (the visit ends): the one code path of the API and the staff pages
(``referral/closure.py`` stores and audits it, in one transaction with the end of the
encounter's device associations)."""

from __future__ import annotations

from sqlite_utils import Database

from referral import closure
from referral.closure import Closure
from triage.service.runtime import Runtime


def close_encounter(
    runtime: Runtime,
    db: Database,
    encounter_id: int,
    *,
    actor: str,
    reason: str,
    without_referral: bool = False,
    confirm: str = closure.CONFIRM_ON_PAGE,
    key: str | None = None,
) -> Closure:
    """Close the encounter; after the commit, tell the open pages: the queue, and the device panels
    of the devices it detached. A visit whose decision needs a referral that was not made closes
    only ``without_referral`` (``referral.closure``); ``key``: the staff page's form key, whose close
    sent again is answered the close it made."""
    closed = closure.close(
        db,
        encounter_id,
        actor=actor,
        reason=reason,
        without_referral=without_referral,
        confirm=confirm,
        key=key,
    )
    runtime.hub.publish("queue", encounter_id=encounter_id)
    for ended in closed.ended:
        runtime.hub.publish("device", device=ended.device_id)
    return closed
