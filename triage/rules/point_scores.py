"""Rules on a point score's total (qSOFA, CRB-65, China-PAR): the check, and the items that scored
with the readings behind them."""

from __future__ import annotations

from collections.abc import Callable

from triage.evidence import Evidence, Finding
from triage.phrases import MODEL_UNITS
from triage.scores.result import ScoreResult

# a point score's items -> the readings behind each (age: the patient's); the staff pages name them too
ITEM_READINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "qsofa": {"resp_rate": ("resp_rate",), "consciousness": ("consciousness",), "sbp": ("sbp",)},
    "crb65": {
        "confusion": ("consciousness",),
        "resp_rate": ("resp_rate",),
        "blood_pressure": ("sbp", "dbp"),
        "age": ("age",),
    },
}

# an item scored by one of several readings (CRB-65: SBP <90 *or* DBP <=60, Lim 2003): the test
# each reading meets, so that the reason names only the reading that scored (it named both)
ITEM_CRITERIA: dict[tuple[str, str], Callable[[float], bool]] = {
    ("crb65", "sbp"): lambda v: v < 90,
    ("crb65", "dbp"): lambda v: v <= 60,
}


def scored_by(score: str, code: str, value: float | None) -> bool:
    """Whether reading ``code`` (``value`` as compared: a censored one just past its bound) met its
    item's criterion in ``score``; a reading that is an item alone always did."""
    criterion = ITEM_CRITERIA.get((score, code))
    return criterion is None or (value is not None and criterion(value))


def _scoring(ev: Evidence, s: ScoreResult) -> str:
    """``; scoring: resp_rate 22 /min, sbp 100 mmHg``: the items of a point score that scored, each
    reading with its unit as every other reason writes it (``MODEL_UNITS``: ``mmHg``, not UCUM's
    ``mm[Hg]``); ``""`` for a score without items."""
    items = ITEM_READINGS.get(s.name)
    if items is None:
        return ""
    shown = [
        f"age {ev.patient.age:g} years" if code == "age" else f"{code} {ev.shown(code, MODEL_UNITS)}"
        for item, codes in items.items()
        if s.components.get(item)
        for code in codes
        if (code in ev.latest and scored_by(s.name, code, ev.num(code)))
        or (code == "age" and ev.patient.age is not None)
    ]
    return f"; scoring: {', '.join(shown)}" if shown else ""


def score_at_least(name: str, threshold: float, text: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get(name)
        if s is None or s.value is None or s.value < threshold:
            return None
        return Finding({name: s.value, "complete": s.complete}, f"{s.detail}{_scoring(ev, s)} ({text})")

    return check


def score_between(name: str, low: float, high: float, text: str) -> Callable[[Evidence], Finding | None]:
    def check(ev: Evidence) -> Finding | None:
        s = ev.scores.get(name)
        if s is None or s.value is None or not low <= s.value <= high:
            return None
        return Finding({name: s.value, "complete": s.complete}, f"{s.detail}{_scoring(ev, s)} ({text})")

    return check
