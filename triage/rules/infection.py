"""The infection rules: qSOFA (sepsis) and CRB-65 (pneumonia)."""

from __future__ import annotations

from triage.rules.point_scores import score_at_least, score_between
from triage.rules.rule import Rule, U

INFECTION: tuple[Rule, ...] = (
    Rule(
        "qsofa_high",
        U,
        "qSOFA >=2",
        "Seymour CW et al. JAMA 2016;315:762",
        score_at_least("qsofa", 2, "if infection is suspected: assess for sepsis and refer urgently"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "crb65_high",
        U,
        "CRB-65 3-4 (urgent hospital admission if pneumonia)",
        "Lim WS et al. Thorax 2003;58:377",
        score_at_least("crb65", 3, "urgent admission if pneumonia"),
        red_flag=True,
        minimum=U,
    ),
    Rule(
        "crb65_intermediate",
        None,
        "CRB-65 1-2 (consider hospital if pneumonia); off by default",
        "Lim WS et al. Thorax 2003;58:377",
        score_between("crb65", 1, 2, "consider hospital referral"),
    ),
)
