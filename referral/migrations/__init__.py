"""The referral log's schema as one ordered migration set (sqlite-utils ``Migrations``); the value
sets its CHECK constraints allow are ``referral.value_sets``.

Every table is ``STRICT`` (SQLite rejects a value of the wrong type instead of silently storing
it). Migrations are append-only: never reorder, rename or edit an applied migration. Each one is a
function in the module of its domain - ``clinical`` (patients, encounters, readings, decisions,
referrals), ``audit_trail``, ``staff`` (accounts, tokens, sessions), ``devices`` (the gateway's
inbox and everything device-side) - and :data:`MIGRATIONS` registers them below, in the order they
are applied: a new migration is a function in its domain's module and one line at the end of
:data:`ORDER`. ``referral.schema`` opens connections and applies them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database, Migrations

from referral.migrations import audit_trail, clinical, devices, idempotency_scope, service_clock, staff

#: Every migration, in the order it is applied (its name's number): name, function.
ORDER: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_core", clinical.m0001_core),
    ("0002_referrals", clinical.m0002_referrals),
    ("0003_audit", audit_trail.m0003_audit),
    ("0004_users", staff.m0004_users),
    ("0005_device_inbox", devices.m0005_device_inbox),
    ("0006_device_associations", devices.m0006_device_associations),
    ("0007_staff_sessions", staff.m0007_staff_sessions),
    ("0008_device_result_review", devices.m0008_device_result_review),
    ("0009_device_results_received", devices.m0009_device_results_received),
    ("0010_device_association_expiry", devices.m0010_device_association_expiry),
    ("0011_observation_corrections", devices.m0011_observation_corrections),
    ("0012_device_results_qc", devices.m0012_device_results_qc),
    ("0013_referral_basis_changes", devices.m0013_referral_basis_changes),
    ("0014_encounter_close", clinical.m0014_encounter_close),
    ("0015_encounter_context", clinical.m0015_encounter_context),
    ("0016_observation_reported", clinical.m0016_observation_reported),
    ("0017_meter_operator_lists", devices.m0017_meter_operator_lists),
    ("0018_audit_entity_index", audit_trail.m0018_audit_entity_index),
    ("0019_audit_record_unrecorded", audit_trail.m0019_audit_record_unrecorded),
    ("0020_audit_record_device_rows", audit_trail.m0020_audit_record_device_rows),
    ("0021_idempotency_body", clinical.m0021_idempotency_body),
    ("0022_one_open_visit_a_day", clinical.m0022_one_open_visit_a_day),
    ("0023_device_results_not_accepted_code", devices.m0023_device_results_not_accepted_code),
    ("0024_observation_requests", clinical.m0024_observation_requests),
    ("0025_api_token_expiry", staff.m0025_api_token_expiry),
    ("0026_override_idempotency_key", clinical.m0026_override_idempotency_key),
    ("0027_idempotency_key_per_account", idempotency_scope.m0027_idempotency_key_per_account),
    ("0028_service_clock", service_clock.m0028_service_clock),
)


def _registered(order: tuple[tuple[str, Callable[[Database], None]], ...]) -> Migrations:
    migrations = Migrations("clinic")
    for name, function in order:
        migrations(name=name)(function)
    return migrations


MIGRATIONS = _registered(ORDER)
