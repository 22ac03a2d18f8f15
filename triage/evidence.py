"""What the routing rules (``triage.rules``) read and what a rule that fires returns: the latest
usable values, their readings, the patient and the scores (``Evidence``), and a ``Finding``.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.scores.result import ScoreResult

Values = dict[str, float | int | str | bool | None]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the rules read: latest usable values by code, their display form, patient, scores."""

    values: Mapping[str, float | str]
    latest: Mapping[str, Observation]
    patient: PatientContext
    scores: Mapping[str, ScoreResult]
    glucose_critical_low: float
    glucose_critical_high: float
    # each rule the clinic's policy switched on, by name, at the level the policy gives it
    # (``PolicyRuntime.levels``; a rule switched off is not in it): a rule that leaves a finding to
    # another rule's own condition (``albuminuria`` to ``pregnancy_proteinuria_acr``) keeps it when
    # that rule is off or set lower (``triage.rule_checks.leaves_to``); none known, it keeps it
    levels: Mapping[str, Disposition] = field(default_factory=dict)
    # each of those rules' re-check (minutes) under the policy, its own or else its level's
    # (``PolicyRuntime.rechecks``): a rule leaves a finding to another only when that one asks for
    # the patient as soon (``leaves_to``); none known, the levels alone decide
    rechecks: Mapping[str, int] = field(default_factory=dict)
    # when the assessment is made (``assess()``'s ``now``; ``None`` not given): what a reading's time
    # is read against, as the patient's record is (an ACR before 20 weeks of the weeks recorded now)
    at: datetime | None = None
    # whether each rule checked so far on this evidence fired, by name (``assess()`` writes it as
    # it checks the rules): a lower rule that fired asks whether the rules above it fired
    # (``triage.rule_precedence``) without checking them again; one assessment's, never shared
    fired: dict[str, bool] = field(default_factory=dict, init=False, compare=False, repr=False)

    def shown(self, code: str, units: Mapping[str, str] | None = None) -> str:
        """The reading as a person reads it (``>33.3 mmol/L``), or '' if there is none; ``units``:
        the unit written for its canonical one (:meth:`Observation.display_value`)."""
        o = self.latest.get(code)
        return "" if o is None else o.display_value(units)

    def num(self, code: str) -> float | None:
        v = self.values.get(code)
        return v if isinstance(v, float) else None


_EVIDENCE_FIELDS = (
    "values",
    "latest",
    "patient",
    "scores",
    "glucose_critical_low",
    "glucose_critical_high",
    "levels",
    "rechecks",
    "at",
    "fired",
)
# the slots' own setters: what the frozen dataclass's __init__ reaches through object.__setattr__
_SET_EVIDENCE = tuple(Evidence.__dict__[name].__set__ for name in _EVIDENCE_FIELDS)
# no rule known to be switched on: nothing is left to another rule
_NO_LEVELS: Mapping[str, Disposition] = MappingProxyType({})
_NO_RECHECKS: Mapping[str, int] = MappingProxyType({})


def evidence(
    values: Mapping[str, float | str],
    latest: Mapping[str, Observation],
    patient: PatientContext,
    scores: Mapping[str, ScoreResult],
    glucose_critical_low: float,
    glucose_critical_high: float,
    levels: Mapping[str, Disposition] = _NO_LEVELS,
    rechecks: Mapping[str, int] = _NO_RECHECKS,
    at: datetime | None = None,
) -> Evidence:
    """``Evidence(...)`` by position, each field set through its slot (the frozen dataclass's
    ``__init__`` goes through ``object.__setattr__`` once a field); ``tests/triage/test_rules.py``
    compares with the constructor."""
    ev = _new_object(Evidence)
    (
        set_values,
        set_latest,
        set_patient,
        set_scores,
        set_low,
        set_high,
        set_levels,
        set_rechecks,
        set_at,
        set_fired,
    ) = _SET_EVIDENCE
    set_values(ev, values)
    set_latest(ev, latest)
    set_patient(ev, patient)
    set_scores(ev, scores)
    set_low(ev, glucose_critical_low)
    set_high(ev, glucose_critical_high)
    set_levels(ev, levels)
    set_rechecks(ev, rechecks)
    set_at(ev, at)
    set_fired(ev, {})
    return ev


_new_object = object.__new__


class Finding(NamedTuple):
    """What a rule found: the inputs that fired it, a readable detail and, when what it found asks
    for it, a re-check (minutes) sooner than the rule's own."""

    values: Values
    detail: str
    recheck_minutes: int | None = None
