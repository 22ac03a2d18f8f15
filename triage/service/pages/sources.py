"""Where each reading on the patient page came from, for the Device column: a device names itself
(``observations.device``), the staff pages store ``manual entry``; a reading sent through the API
without a device names nothing. The account that stored a reading - the API's sender, or who typed
it by hand - is read from the audit trail (each ``observations.create`` entry lists the ids it
stored, with its actor)."""

from __future__ import annotations

import json

from sqlite_utils import Database


def stored_by(db: Database, encounter_id: int) -> dict[int, str]:
    """The account that stored each of the visit's readings, by observation id."""
    found: dict[int, str] = {}
    for row in db.query(
        "SELECT actor, data FROM audit WHERE action = 'observations.create' AND entity = 'encounter'"
        " AND entity_id = ? ORDER BY seq",
        [str(encounter_id)],
    ):
        for observation_id in json.loads(row["data"]).get("observation_ids", []):
            found[int(observation_id)] = str(row["actor"])
    return found
