"""The routing rules: named, cited predicates over the scores and the latest usable readings.

Each rule says which level it asks for by default; a clinic policy (``triage.policy``) may move a
rule to another level or switch it off, except that a **red-flag** rule can never be switched
off or set below its default level (``triage.policy.red_flag_floor``: a policy may escalate it,
never lower it). Rules see only usable observations (final or corrected,
not QC, fresh); censored values enter as described in ``triage.observation``.

The rules are kept by clinical topic (``vital_signs``, ``blood_pressure``, ``symptoms``,
``glycaemia``, ``infection``, ``kidney``, ``risk_factors``); ``RULES`` is all of them in that order.
"""

from __future__ import annotations

from triage.evidence import Evidence as Evidence
from triage.evidence import Finding as Finding
from triage.evidence import Values as Values
from triage.evidence import evidence as evidence
from triage.rule_precedence import with_deference
from triage.rules.blood_pressure import BLOOD_PRESSURE
from triage.rules.glycaemia import GLYCAEMIA
from triage.rules.infection import INFECTION
from triage.rules.kidney import KIDNEY
from triage.rules.point_scores import ITEM_READINGS as ITEM_READINGS
from triage.rules.point_scores import scored_by as scored_by
from triage.rules.risk_factors import RISK_FACTORS
from triage.rules.rule import Rule as Rule
from triage.rules.symptoms import SYMPTOMS
from triage.rules.vital_signs import VITAL_SIGNS

RULES: tuple[Rule, ...] = (
    *VITAL_SIGNS,
    *BLOOD_PRESSURE,
    *SYMPTOMS,
    *GLYCAEMIA,
    *INFECTION,
    *KIDNEY,
    *RISK_FACTORS,
)

RULES = with_deference(RULES)  # a lower BP rule names the one whose action applies
RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
