"""Attaching bedside devices to a patient's encounter: the one code path of the API, the staff
pages and the demo's simulated nurse (``referral/associations.py`` stores and audits).

A device can be attached only if the clinic knows it: configured in this service's gateway, or it
has sent at least one message to the referral log (a gateway run by ``triage devices listen``
writes to the same log). A typo in a device id is therefore an error, not an association that
silently never links anything. An association lasts at most ``device_associations.max_duration_s``
(expired ones are ended when the associations are listed, see ``referral/associations.py``).
"""

from __future__ import annotations

from sqlite_utils import Database

from referral import associations
from referral.associations import Association
from triage.service.runtime import Runtime


def known_devices(runtime: Runtime, db: Database) -> list[str]:
    """Devices staff may attach: the gateway's configured devices first, then others seen in the log."""
    return associations.known_devices(db, [str(row["device"]) for row in runtime.device_status()])


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
    """Attach ``device_id`` to the encounter until the clinic's maximum duration has passed
    (``ConflictError`` if attached elsewhere and not ``replace``)."""
    associations.require_known(device_id, known_devices(runtime, db))
    association = associations.associate(
        db,
        device_id,
        encounter_id,
        actor=actor,
        replace_existing=replace,
        reason=reason,
        max_duration=runtime.settings.device_associations.max_duration,
    )
    runtime.hub.publish("device", device=device_id)
    return association


def detach(runtime: Runtime, db: Database, device_id: str, *, actor: str, reason: str) -> Association:
    """End the device's association (``NotFoundError`` if it has none); a reason is required."""
    association = associations.end(db, device_id, actor=actor, reason=reason)
    runtime.hub.publish("device", device=device_id)
    return association


def expire_due(runtime: Runtime, db: Database) -> None:
    """End expired associations (reason ``expired``) and tell the device panels."""
    for ended in associations.expire_due(db):
        runtime.hub.publish("device", device=ended.device_id)


def attached_by_device(runtime: Runtime, db: Database) -> dict[str, Association]:
    """Active associations keyed by device id (for the device status panel), expired ones ended first."""
    expire_due(runtime, db)
    return {a.device_id: a for a in associations.list_active(db)}
