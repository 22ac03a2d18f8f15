"""The analytics export format v1 as the report reads it (``docs/analytics-export.md``).

Pure constants: the reader's view of the contract. ``tests/analytics/reports`` checks that they
match the producer in ``referral.analytics_export``.
"""

from __future__ import annotations

# The export's value sets are the referral log's own (the producer of the format).
from referral.value_sets import DISPOSITIONS, REFERRAL_STATUSES, SEXES, URGENCIES

FORMAT_VERSION = "clinic-triage-analytics/1"
SMALL_CELL = 5
"""Counts from 1 to SMALL_CELL - 1 are suppressed in every published table."""
EXACT_COUNTS = 1
"""The small-cell limit of a report run with ``--exact-counts`` (internal use): no count is from 1
to 0, so nothing is blanked, and with no blank there is no complement either."""

ENCOUNTER_TYPES: dict[str, str] = {
    "format_version": "VARCHAR",
    "clinic_id": "VARCHAR",
    "record_id": "VARCHAR",
    "patient_pseudo_id": "VARCHAR",
    "age_band": "VARCHAR",
    "sex": "VARCHAR",
    "region_code": "VARCHAR",
    "encounter_day": "DATE",
    "digital_triage": "BOOLEAN",
    "disposition": "VARCHAR",
    "engine_disposition": "VARCHAR",
    "overridden": "BOOLEAN",
    "news2": "INTEGER",
    "red_flags": "VARCHAR",
    "policy_version": "VARCHAR",
    "referral_status": "VARCHAR",
    "referral_urgency": "VARCHAR",
    "referral_to": "VARCHAR",
    "hours_to_arrival": "DOUBLE",
    "referral_justified": "BOOLEAN",
}
"""Encounter columns in contract order with the type the pooled table stores them as."""

NOT_POOLED = ("format_version", "patient_pseudo_id", "policy_version")
"""Checked on input but not carried into the pooled table (no report query uses them; the
pseudonymous patient id is 640 MB of incompressible text at 20M rows)."""

POOLED_TYPES: dict[str, str] = {k: v for k, v in ENCOUNTER_TYPES.items() if k not in NOT_POOLED}

FACILITY_TYPES: dict[str, str] = {
    "format_version": "VARCHAR",
    "facility_id": "VARCHAR",
    "name": "VARCHAR",
    "tier": "VARCHAR",
    "region_code": "VARCHAR",
    "lon": "DOUBLE",
    "lat": "DOUBLE",
    "beds": "INTEGER",
    "capacity": "INTEGER",
    "digital_triage_start": "DATE",
}

REFERRAL_DISPOSITIONS = ("emergency_transfer", "urgent_referral", "routine_referral")
AGE_BANDS = ("0-17", "18-34", "35-44", "45-54", "55-64", "65-74", "75+", "unknown")
TIERS = ("primary", "secondary", "tertiary")
#: The tiers of ``tier_month`` and ``tier_load`` beside :data:`TIERS` for referred encounters whose
#: hospital has no tier the directory gives, each case apart (one ``unknown`` had said all three):
#: no hospital named yet, a hospital no facilities table lists (a registration missing), and one
#: listed without a usable tier (data missing: its row left out, the rejections name it).
NO_HOSPITAL_YET = "unknown_no_referral"
HOSPITAL_NOT_IN_DIRECTORY = "unknown_not_in_directory"
TIER_NOT_RECORDED = "unknown_tier_not_recorded"
UNKNOWN_TIERS = (NO_HOSPITAL_YET, HOSPITAL_NOT_IN_DIRECTORY, TIER_NOT_RECORDED)
RISK_PREFIX = "risk_"

ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "disposition": DISPOSITIONS,
    "engine_disposition": DISPOSITIONS,
    "age_band": AGE_BANDS,
    "sex": SEXES,
    "referral_status": REFERRAL_STATUSES,
    "referral_urgency": URGENCIES,
}
"""Closed vocabularies; a row with any other value is rejected (NULL is allowed where nullable)."""

NOT_NULL = ("clinic_id", "record_id", "encounter_day", "disposition", "region_code")
