"""The kidney rules: eGFR, albuminuria and dipstick proteinuria (their checks: ``triage.rule_checks``)."""

from __future__ import annotations

from triage.rule_checks import kidney_flag, proteinuria, unquantified_proteinuria
from triage.rules.rule import HEARTS_REF, HEARTS_ROUTINE_REF, L, R, Rule, U

KIDNEY: tuple[Rule, ...] = (
    Rule(
        "egfr_below_30",
        U,
        "eGFR <30 mL/min/1.73 m2",
        HEARTS_REF + "; KDIGO 2024",
        kidney_flag(
            ("egfr_below_30",), "below 30: refer urgently; review drugs cleared by the kidney", "eGFR"
        ),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "egfr_30_59",
        R,
        "eGFR 30-59 mL/min/1.73 m2",
        HEARTS_ROUTINE_REF,
        kidney_flag(("egfr_30_59",), "30-59: refer (non-emergency); review drug doses", "eGFR"),
    ),
    Rule(
        "albuminuria",
        R,
        "Urine ACR >=30 mg/g (>=3 mg/mmol)",
        HEARTS_ROUTINE_REF + "; KDIGO 2024",
        kidney_flag(
            ("albuminuria_a2_a3", "albuminuria_a3"),
            "moderately or severely increased albuminuria: confirm on a repeat sample; refer (non-emergency)",
        ),
    ),
    Rule(
        "proteinuria_with_hypertension",
        R,
        "Dipstick protein >=1+ with hypertension",
        "国家基层高血压防治管理指南 2020, 初诊转诊",
        proteinuria,
    ),
    Rule(
        "proteinuria_1plus",
        L,
        "Dipstick protein 1+ without hypertension and no ACR: confirm with an ACR",
        "KDIGO 2024 (confirm a positive dipstick with a laboratory ACR or PCR); risk.md 2.10",
        unquantified_proteinuria(
            ("1+",),
            "about 30 mg/dL - confirm with a urine ACR and creatinine within 4 weeks; repeat the dipstick"
            " (not during infection, fever, heavy exercise or menstruation); an ACR >=30 mg/g refers",
        ),
        recheck_minutes=40320,
    ),
    Rule(
        "proteinuria_2plus",
        L,
        "Dipstick protein 2+ without hypertension and no ACR: measure the ACR now",
        "KDIGO 2024 (confirm a positive dipstick with a laboratory ACR or PCR); risk.md 2.10",
        unquantified_proteinuria(
            ("2+",),
            "about 100 mg/dL - measure the ACR and creatinine now; repeat the dipstick within 1 week (not"
            " during infection, fever, heavy exercise or menstruation); an ACR >=30 mg/g refers",
        ),
        recheck_minutes=10080,
    ),
    Rule(
        "proteinuria_3plus",
        R,
        "Dipstick protein >=3+ without hypertension and no ACR: refer (non-emergency)",
        "KDIGO 2024 (refer at ACR >=300 mg/g, PCR >=500 mg/g); risk.md 2.10",
        unquantified_proteinuria(
            ("3+", "4+"),
            "about 300 mg/dL or more, in the range KDIGO refers (A3) - measure the ACR and creatinine now,"
            " check for oedema (nephrotic syndrome); refer (non-emergency)",
        ),
    ),
)
