"""The kidney rules: eGFR, albuminuria and dipstick proteinuria (their checks: ``triage.rule_checks``).

In pregnancy from 20 weeks (or with the weeks not recorded) new dipstick proteinuria below 140/90 mmHg
is read on the pre-eclampsia pathway, not KDIGO's: NICE NG133 (2019) 1.4.3 quantifies a dipstick of
1+ or more with a protein:creatinine ratio (significant from 30 mg/mmol, 1.4.6) or an
albumin:creatinine ratio (8 mg/mmol, 1.4.7), and the pre-eclampsia community guideline (PRECOG,
Milne F et al. BMJ 2005;330:576) refers new proteinuria without hypertension: 1+ - the pre-eclampsia
check repeated in the community within a week; 2+ or more - a hospital step-up assessment within 48
hours; with symptoms, the same day. The KDIGO dipstick rules ("measure the ACR now", "an ACR >=30
mg/g refers", "not during menstruation") then do not fire (``unquantified_proteinuria``). From 140
and/or 90 ``pregnancy_hypertension`` sends her the same day and names the urine protein."""

from __future__ import annotations

from collections.abc import Callable

from triage.evidence import Evidence, Finding
from triage.rule_checks import kidney_flag, pregnancy_where, proteinuria, unquantified_proteinuria
from triage.rules.rule import HEARTS_REF, HEARTS_ROUTINE_REF, L, R, Rule, U

PRE_ECLAMPSIA_PROTEINURIA_REF = (
    "NICE NG133 (2019) 1.4.3-1.4.7 (quantify a dipstick of 1+ or more: PCR >=30 mg/mmol, ACR >=8 mg/mmol);"
    " PRECOG (Milne F et al. BMJ 2005;330:576): new proteinuria without hypertension from 20 weeks"
)
_QUANTIFY = (
    "quantify it with a urine protein:creatinine ratio (significant from 30 mg/mmol) or albumin:creatinine"
    " ratio (from 8 mg/mmol)"
)
_SAME_DAY = "; the same day with a headache, visual disturbance or epigastric pain"


def pregnancy_proteinuria(levels: tuple[str, ...], text: str) -> Callable[[Evidence], Finding | None]:
    """Dipstick protein at ``levels`` with no ACR in pregnancy from 20 weeks (or the weeks not
    recorded), the pressure below 140 and 90 mmHg or not measured: new proteinuria, the first sign
    of pre-eclampsia in some women (PRECOG)."""

    def check(ev: Evidence) -> Finding | None:
        protein = ev.values.get("urine_protein")
        if protein not in levels or "albumin_creatinine_ratio" in ev.latest:
            return None
        if not ev.patient.pre_eclampsia_possible:
            return None
        sbp, dbp = ev.num("sbp"), ev.num("dbp")
        if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
            return None  # pregnancy_hypertension: the same day, for pre-eclampsia (urine protein)
        return Finding(
            {"urine_protein": protein, "pregnant": True, "gestation_weeks": ev.patient.gestation_weeks},
            f"urine protein {protein} (dipstick) {pregnancy_where(ev.patient)} and no ACR: new proteinuria"
            f" from 20 weeks can be the first sign of pre-eclampsia - {text}{_SAME_DAY}",
        )

    return check


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
        "pregnancy_proteinuria_1plus",
        L,
        "Dipstick protein 1+ in pregnancy from 20 weeks, below 140/90 mmHg and no ACR: quantify it, repeat"
        " the pre-eclampsia check within 1 week",
        PRE_ECLAMPSIA_PROTEINURIA_REF,
        pregnancy_proteinuria(
            ("1+",),
            f"{_QUANTIFY}; repeat the pre-eclampsia check (blood pressure, urine, symptoms) within 1 week",
        ),
        recheck_minutes=10080,
    ),
    Rule(
        "pregnancy_proteinuria_2plus",
        R,
        "Dipstick protein >=2+ in pregnancy from 20 weeks, below 140/90 mmHg and no ACR: obstetric assessment"
        " for pre-eclampsia within 48 hours",
        PRE_ECLAMPSIA_PROTEINURIA_REF,
        pregnancy_proteinuria(
            ("2+", "3+", "4+"),
            f"refer for a hospital (obstetric day unit) assessment for pre-eclampsia within 48 hours; {_QUANTIFY}",
        ),
        recheck_minutes=2880,
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
