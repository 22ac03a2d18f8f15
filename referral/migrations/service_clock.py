"""The time the service has counted, kept in the log (migration 0028; registered by
``referral.migrations``): a floor for ``referral.forward_clock`` after a restart.

A restarted service starts its clock from the newest time the log holds; before this table that
was only what was written - audit entries, sessions' and tokens' last use. An API token that
expired while the service ran and nobody used or wrote anything after its expiry came back to life
at a restart with the machine's clock set back before the expiry: nothing in the log said the
service had counted past it. One row, not audited (bookkeeping, as the sessions' last use): the
service's clock reading, written every minute and when the service stops
(``referral.forward_clock.remember``).
"""

from __future__ import annotations

from sqlite_utils import Database


def m0028_service_clock(db: Database) -> None:
    """The one-row table of the time the service counted (the module says why)."""
    db.execute(
        "CREATE TABLE service_clock ("
        " id INTEGER PRIMARY KEY CHECK (id = 1),"
        " counted_at REAL NOT NULL CHECK (counted_at >= 0)"
        ") STRICT"
    )
