"""The report's aggregation queries, written once in the SQL subset DuckDB and Spark SQL share.

Each engine adapter (:mod:`analytics.reports.engines`) exposes three relations: ``enc`` (the pooled
encounters plus ``month``, ``YYYY-MM`` of ``encounter_day``), ``fac`` (the facility directory) and
``fac_untiered`` (the ids a facilities table lists without a usable tier, left out of ``fac``). The queries return counts only (sums cast to BIGINT, one exact median); rates are
derived afterwards in Python so both engines give identical numbers. Portability rules used
here: CASE instead of FILTER, ``CAST(... AS STRING)``, ordinal GROUP BY, explicit ORDER BY.
"""

from __future__ import annotations

from analytics.reports.schema import (
    HOSPITAL_NOT_IN_DIRECTORY,
    NO_HOSPITAL_YET,
    REFERRAL_DISPOSITIONS,
    TIER_NOT_RECORDED,
)

URGENT_TARGET_HOURS = {"emergency": 2.0, "urgent": 24.0}
"""Arrival targets used for timeliness: emergency transfers within 2 h, urgent referrals within 24 h."""

_REFERRED = "disposition IN (" + ", ".join(f"'{d}'" for d in REFERRAL_DISPOSITIONS) + ")"
_URGENT = "referral_urgency IN ('emergency', 'urgent')"


def _count(condition: str) -> str:
    return f"CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)"


REGION_MONTH = f"""
SELECT region_code, month,
  CAST(COUNT(*) AS BIGINT) AS encounters,
  {_count("disposition = 'local_care'")} AS local_care,
  {_count(_REFERRED)} AS referred,
  {_count("disposition = 'emergency_transfer'")} AS emergency_transfer,
  {_count("disposition = 'urgent_referral'")} AS urgent_referral,
  {_count("disposition = 'routine_referral'")} AS routine_referral,
  {_count("disposition = 'insufficient_data'")} AS insufficient_data,
  {_count("digital_triage")} AS digital,
  {_count(_URGENT)} AS urgent_referrals,
  {_count(_URGENT + " AND hours_to_arrival IS NOT NULL")} AS urgent_arrived,
  {
    _count(
        f"(referral_urgency = 'emergency' AND hours_to_arrival <= {URGENT_TARGET_HOURS['emergency']})"
        f" OR (referral_urgency = 'urgent' AND hours_to_arrival <= {URGENT_TARGET_HOURS['urgent']})"
    )
} AS urgent_on_time,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {_URGENT} THEN hours_to_arrival END)
    AS urgent_median_hours,
  {_count("referral_status = 'declined'")} AS declined,
  {_count("referral_status = 'cancelled'")} AS cancelled,
  {_count("referral_status = 'completed'")} AS completed,
  {_count("referral_status = 'completed' AND referral_justified")} AS justified,
  {_count("referral_status = 'completed' AND NOT referral_justified")} AS not_justified
FROM enc
GROUP BY 1, 2
ORDER BY 1, 2
"""

TIER_MONTH = f"""
SELECT e.region_code, e.month,
  CASE WHEN e.{_REFERRED} THEN
    CASE WHEN f.tier IS NOT NULL THEN f.tier
      WHEN e.referral_to IS NULL THEN '{NO_HOSPITAL_YET}'
      WHEN u.facility_id IS NOT NULL THEN '{TIER_NOT_RECORDED}'
      ELSE '{HOSPITAL_NOT_IN_DIRECTORY}' END
  ELSE 'primary' END AS tier,
  CAST(COUNT(*) AS BIGINT) AS encounters
FROM enc e LEFT JOIN fac f ON f.facility_id = e.referral_to
  LEFT JOIN fac_untiered u ON u.facility_id = e.referral_to
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

CLINIC_MONTH = f"""
SELECT clinic_id, region_code, month,
  CAST(COUNT(*) AS BIGINT) AS encounters,
  {_count("disposition = 'local_care'")} AS local_care,
  {_count("digital_triage")} AS digital,
  CAST(MIN(CASE WHEN digital_triage THEN encounter_day END) AS STRING) AS first_digital_day
FROM enc
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

HOSPITAL_MONTH = f"""
SELECT referral_to AS facility_id, month,
  CAST(COUNT(*) AS BIGINT) AS referrals,
  {_count("referral_status IN ('arrived', 'completed')")} AS arrivals,
  {_count(_URGENT)} AS urgent_referrals
FROM enc
WHERE referral_to IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
"""

NETWORK = """
SELECT clinic_id AS source, referral_to AS target, CAST(COUNT(*) AS BIGINT) AS referrals
FROM enc
WHERE referral_to IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
"""

FACILITIES = """
SELECT facility_id, name, tier, region_code, lon, lat, beds, capacity,
  CAST(digital_triage_start AS STRING) AS digital_triage_start
FROM fac
ORDER BY 1
"""

FACILITIES_UNTIERED = """
SELECT facility_id FROM fac_untiered ORDER BY 1
"""


def replay_histogram(risk_column: str | None) -> str:
    """Encounters counted by the stored inputs of the routing decision, for policy replay.

    Risks are kept as whole percent (floor, with a guard against binary rounding), so replayed
    risk thresholds are exact on a 0.01 grid.
    """
    risk = f"CAST(FLOOR({risk_column} * 100 + 0.000001) AS INT)" if risk_column else "CAST(NULL AS INT)"
    return f"""
SELECT region_code, news2, {risk} AS risk_pct,
  CASE WHEN red_flags IS NOT NULL AND red_flags <> '' THEN 1 ELSE 0 END AS red_flag,
  CASE WHEN {_REFERRED} THEN 1 ELSE 0 END AS referred,
  CASE WHEN referral_status = 'completed' THEN 1 ELSE 0 END AS feedback,
  CASE WHEN referral_status = 'completed' AND referral_justified THEN 1 ELSE 0 END AS confirmed,
  CAST(COUNT(*) AS BIGINT) AS encounters
FROM enc
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 3, 4, 5, 6, 7
"""


REPORT_QUERIES: dict[str, str] = {
    "region_month": REGION_MONTH,
    "tier_month": TIER_MONTH,
    "clinic_month": CLINIC_MONTH,
    "hospital_month": HOSPITAL_MONTH,
    "network": NETWORK,
    "facilities": FACILITIES,
    "facilities_untiered": FACILITIES_UNTIERED,
}
"""Every aggregation of the imbalance report, by name (the simulator adds ``replay_histogram``)."""
