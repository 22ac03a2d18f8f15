"""The time the service counted, kept in the referral log (``referral.forward_clock.remember``,
migration 0028) every :data:`REMEMBER_EVERY_S` and when the service stops: the floor its clock
starts from after a restart. Without it, an API token that expired while the service ran, with
nothing written after its expiry, worked again after a restart with the machine's clock set back
before the expiry (``docs/service.md``, "Security"). A crash loses at most the last minute: a
token that expired in it and was never presented may work again until the clock passes its
expiry, if the clock is also set back before the restart."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from referral.forward_clock import remember
from referral.transactions import write
from triage.errors import ClinicError
from triage.service.runtime import Runtime

log = logging.getLogger("triage.service")
#: How often the primary keeps its clock's time in the log.
REMEMBER_EVERY_S = 60.0


def remember_now(runtime: Runtime) -> None:
    """Keep the service's clock reading in the log (in the calling thread); a log that cannot be
    written now (busy, a full disk) is tried again at the next turn."""
    try:
        write(runtime.databases.get(), lambda db: remember(db, runtime.wall()))
    except (ClinicError, sqlite3.Error, OSError) as exc:
        log.info("the service's time was not kept in the referral log this time: %s", exc)


async def remember_forever(runtime: Runtime) -> None:
    """:func:`remember_now` at once and every :data:`REMEMBER_EVERY_S`, until cancelled."""
    while True:
        await asyncio.to_thread(remember_now, runtime)
        await asyncio.sleep(REMEMBER_EVERY_S)
