"""A routing rule (``Rule``), the levels' short names and the references several topics cite.

Each rule says which level it asks for by default; a clinic policy (``triage.policy``) may move a
rule to another level or switch it off, except that a **red-flag** rule can never be switched
off or set below its ``minimum`` level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from triage.assessment import Disposition
from triage.evidence import Evidence, Finding

E = Disposition.emergency_transfer
U = Disposition.urgent_referral
R = Disposition.routine_referral
L = Disposition.local_care


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    default: Disposition | None  # None: off unless the policy switches it on
    description: str
    reference: str
    check: Callable[[Evidence], Finding | None] = field(repr=False)
    red_flag: bool = False
    # red flags: a floor under the default; a policy may not set a red flag below its default either
    # (triage.policy.red_flag_floor: the higher of the two, which is the default for every red flag)
    minimum: Disposition | None = None
    recheck_minutes: int | None = None


NEWS2_REF = "RCP NEWS2 2017, Charts 3-4"
HTN_EMERGENCY_REF = "国家基层高血压防治管理指南 2017/2020, 急诊转诊"
HEARTS_REF = "WHO HEARTS-D (2020) Annex 3, urgent referral"
HEARTS_ROUTINE_REF = "WHO HEARTS-D (2020) Annex 3, non-emergency referral"
