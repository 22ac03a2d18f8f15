"""Attaching bedside devices to a patient's encounter: the one code path of the API, the staff
pages and the demo's simulated nurse (``referral/associations.py`` stores and audits).

A device can be attached only if the clinic knows it: configured in this service's gateway, or it
has sent at least one message to the referral log (a gateway run by ``triage devices listen``
writes to the same log). A typo in a device id is therefore an error, not an association that
silently never links anything.
"""

from __future__ import annotations

from sqlite_utils import Database

from referral import associations
from referral.associations import Association
from triage.errors import NotFoundError
from triage.service.runtime import Runtime


def logged_devices(db: Database) -> list[str]:
    """Distinct device ids in ``device_messages`` (index skip-scan: one lookup per device)."""
    found: list[str] = []
    row = db.conn.execute("SELECT min(device_id) FROM device_messages").fetchone()
    while row is not None and row[0] is not None:
        found.append(str(row[0]))
        row = db.conn.execute(
            "SELECT min(device_id) FROM device_messages WHERE device_id > ?", [found[-1]]
        ).fetchone()
    return found


def known_devices(runtime: Runtime, db: Database) -> list[str]:
    """Devices staff may attach: the gateway's configured devices first, then others seen in the log."""
    configured = [str(row["device"]) for row in runtime.device_status()]
    seen = [d for d in logged_devices(db) if d not in configured]
    return configured + seen


def attach(
    runtime: Runtime,
    db: Database,
    device_id: str,
    encounter_id: int,
    *,
    actor: str,
    replace: bool = False,
    reason: str = "device attached to the patient",
) -> Association:
    """Attach ``device_id`` to the encounter (``ConflictError`` if attached elsewhere and not ``replace``)."""
    associations.check_device_id(device_id)
    known = known_devices(runtime, db)
    if device_id not in known:
        listed = ", ".join(known) if known else "none"
        raise NotFoundError(
            f"device {device_id!r} is unknown here: it is not configured in the device gateway and"
            f" has never sent a result (known devices: {listed})"
        )
    association = associations.associate(
        db, device_id, encounter_id, actor=actor, replace_existing=replace, reason=reason
    )
    runtime.hub.publish("device", device=device_id)
    return association


def detach(runtime: Runtime, db: Database, device_id: str, *, actor: str, reason: str) -> Association:
    """End the device's association (``NotFoundError`` if it has none); a reason is required."""
    association = associations.end(db, device_id, actor=actor, reason=reason)
    runtime.hub.publish("device", device=device_id)
    return association


def attached_by_device(db: Database) -> dict[str, Association]:
    """Active associations keyed by device id (for the device status panel)."""
    return {a.device_id: a for a in associations.list_active(db)}
