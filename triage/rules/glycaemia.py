"""The glycaemia rules: critical glucose, HHS, ketones with hyperglycaemia, hypoglycaemia and the
diabetes range (their checks: ``triage.rule_checks``)."""

from __future__ import annotations

from triage.rule_checks import diabetes_range, glycaemia_flag
from triage.rules.rule import HEARTS_REF, L, Rule, U

GLYCAEMIA: tuple[Rule, ...] = (
    Rule(
        "glucose_critical_low",
        U,
        "Glucose below the policy's critical low (default 3.0 mmol/L)",
        "ADA Standards of Care 2025 s6 (level 2 hypoglycaemia); " + HEARTS_REF,
        glycaemia_flag(
            "critical_low",
            "below the critical low (<{low}): treat now (15-20 g fast-acting glucose), re-check in 15 minutes;"
            " refer urgently (same day)",
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "glucose_critical_high",
        U,
        "Glucose above the policy's critical high (default 22.2 mmol/L)",
        "Kost GJ. JAMA 1990;263:704; risk.md 2.7",
        glycaemia_flag(
            "critical_high", "above the critical high (>{high}): check ketones and hydration; refer urgently"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "glucose_hhs_range",
        U,
        "Glucose >=33.3 mmol/L (HHS glucose criterion): suspected HHS",
        "Umpierrez GE et al. Diabetes Care 2024; " + HEARTS_REF,
        glycaemia_flag(
            "hhs_range", "in the HHS range (>=33.3 mmol/L, 600 mg/dL): suspected HHS, refer urgently"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "ketones_with_hyperglycaemia",
        U,
        "Urine ketones >=2+ with diabetes or glucose >=11.1 mmol/L",
        HEARTS_REF,
        glycaemia_flag(
            "ketones_with_hyperglycaemia",
            "urine ketones >=2+ with hyperglycaemia: suspected DKA, refer urgently",
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "hypoglycaemia_level1",
        L,
        "Glucose 3.0-3.8 mmol/L: treat now and re-check in 15 minutes",
        "ADA Standards of Care 2025 s6",
        glycaemia_flag("hypoglycaemia_level1", "level 1 hypoglycaemia: treat, re-check in 15 minutes"),
        recheck_minutes=15,
    ),
    Rule(
        "glucose_diabetes_range",
        L,
        "Glucose/HbA1c in the diabetes range: confirm with a repeat test (known diabetes: review control)",
        "ADA Standards of Care 2025 s2, s6; 中国2型糖尿病防治指南 2020",
        diabetes_range,
    ),
)
