"""Which rule's action applies when two blood-pressure rules fire on one pressure with different
actions. A 15-year-old at 190/125 fires ``bp_adolescent_severe`` (emergency transfer),
``hypertensive_crisis`` ("refer urgently (same day)") and ``bp_adolescent_stage_2`` ("refer ...
within 1 week"): three actions that disagree confuse staff. Every rule that fired stays in the
Assessment (integrators and audit need each finding), but a lower rule's finding is then
supporting evidence: its detail names the rule whose action applies instead of its own, and its
values carry ``deferred_to`` (that rule's name). Pure: no I/O.

``HIGHER`` lists, for each lower rule, the more urgent rules on the same pressure, most urgent
first; each is a red flag (no policy can switch it off), so the rule deferred to is always there.
``tests/triage/test_rule_deference.py`` walks the rules over pressures, ages, pregnancy and symptoms
and fails on a pair with different actions that is not listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol, TypeVar

from triage.evidence import Evidence, Finding

_EMERGENCY = ("hypertensive_emergency", "bp_adolescent_severe", "pregnancy_severe_hypertension")
_URGENT = ("hypertensive_crisis", "bp_hearts_urgent", "pregnancy_hypertension")
HIGHER: dict[str, tuple[str, ...]] = {
    "hypertensive_crisis": _EMERGENCY,
    "bp_hearts_urgent": _EMERGENCY,
    "pregnancy_hypertension": _EMERGENCY,
    **{lower: _EMERGENCY + _URGENT for lower in ("bp_grade_3", "bp_adolescent_stage_2", "bp_grade_1_2")},
}
DEFERRED = (
    "{finding}; {rule}: supporting evidence for {higher}, which fired on this pressure too - its action"
    " applies, not this rule's"
)


class _Rule(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def check(self) -> Callable[[Evidence], Finding | None]: ...


R = TypeVar("R", bound=_Rule)
Check = Callable[[Evidence], Finding | None]


def _finding(ev: Evidence, detail: str) -> str:
    """What a lower rule found, without its action: the blood-pressure score's detail its detail
    starts with (grade or stage, a pressure missing, the crisis range), else the reading before its
    first ``: `` (``blood pressure >250/? mmHg in pregnancy (>=140 and/or >=90)``)."""
    s = ev.scores.get("blood_pressure")
    if s is not None and s.detail and detail.startswith(s.detail):
        return s.detail
    return detail.split(": ", 1)[0]


def _deferring(rule: _Rule, higher: list[tuple[str, Check]]) -> Check:
    own = rule.check

    def check(ev: Evidence) -> Finding | None:
        found = own(ev)
        if found is None:
            return None
        for name, fires in higher:
            if fires(ev) is not None:
                detail = DEFERRED.format(finding=_finding(ev, found.detail), rule=rule.name, higher=name)
                return Finding({**found.values, "deferred_to": name}, detail, found.recheck_minutes)
        return found

    return check


def with_deference(rules: Iterable[R]) -> tuple[R, ...]:
    """``rules`` with the checks of the rules in ``HIGHER`` deferring to the more urgent ones."""
    given = tuple(rules)
    checks = {r.name: r.check for r in given}
    return tuple(
        replace(r, check=_deferring(r, [(n, checks[n]) for n in HIGHER[r.name]]))  # type: ignore[type-var]
        if r.name in HIGHER
        else r
        for r in given
    )
