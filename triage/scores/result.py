"""The result every score returns: value, band, per-item components and what was missing.

Conventions shared by all scores:

- ``complete`` is true only when every input the score needs was present.
- Point scores (NEWS2, CRB-65, qSOFA, FINDRISC, CDRS) with missing items report the sum of the
  items that *were* present as ``value`` and set ``complete`` to false: the true score is at
  least ``value`` (missing items can only add points). ``band`` is then the band of that lower
  bound, and rules may escalate on it but never conclude "low" from it. A lower bound below the
  score's threshold (NEWS2 1, qSOFA 2, CRB-65 1, FINDRISC 7, CDRS 25) whose missing items could reach it at
  their published maximum points is not "low": ``band`` is ``"incomplete"`` and ``detail`` says
  how many items were scored and what the missing ones could add (:func:`could_reach`). When even
  their maximum cannot reach the threshold, "below" is the score's conclusion, complete or not.
- Equations (China-PAR, PCE) need every input: with anything missing, ``value`` is ``None``.
- Classifications (blood pressure, glycaemia, oximetry, kidney) have a ``band`` and, where a
  single number makes sense, a ``value``.
- ``censored`` lists the inputs that were censored device values (``>33.3``), scored at their
  bound as described in ``triage.observation``.
- ``applicable`` is false when the inputs are outside the population the score was derived in
  (e.g. China-PAR outside ages 35-74); ``detail`` says why and ``value`` is ``None``.
- Age is in completed years (:func:`years`; ``triage.patient``): a validity range ``low-high``
  holds every age from the day of the ``low``-th birthday to the day before the ``high + 1``-th;
  outside it the score is not applicable, never extrapolated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from triage import phrases
from triage.trusted import trusted_builder

ComponentValue = float | int | str | bool | None


class ScoreResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Score identifier, e.g. 'news2'")
    value: float | None = Field(description="Total (points, %, or grade); lower bound when incomplete")
    unit: str = Field("points", description="'points', '%', 'grade', 'mL/min/{1.73_m2}' ...")
    band: str | None = Field(description="Published category for value, e.g. 'high'")
    complete: bool = Field(description="Every input the score needs was present")
    applicable: bool = Field(True, description="Inputs inside the population the score applies to")
    components: dict[str, ComponentValue] = Field(
        default_factory=dict, description="Points or category per item"
    )
    flags: tuple[str, ...] = Field((), description="Named findings, e.g. 'red_score', 'hypertensive_crisis'")
    missing: tuple[str, ...] = Field((), description="Inputs the score needed but did not get")
    censored: tuple[str, ...] = Field(
        (), description="Inputs that were censored values scored at their bound"
    )
    detail: str = Field("", description="Human-readable summary, response or why not applicable")
    reference: str = Field("", description="Published source")

    @classmethod
    def of(
        cls,
        *,
        name: str,
        value: float | None,
        band: str | None,
        complete: bool,
        unit: str = "points",
        applicable: bool = True,
        components: Mapping[str, ComponentValue] | None = None,
        flags: Iterable[str] = (),
        missing: Iterable[str] = (),
        censored: Iterable[str] = (),
        detail: str = "",
        reference: str = "",
    ) -> ScoreResult:
        """The constructor the scores use: arguments typed here (and checked by mypy), normalised
        exactly as validation would (numbers to float, sequences to tuples), without running the
        validator - twelve results per assessment made validation a fifth of ``assess()``.
        ``tests/triage/test_score_result.py`` proves the result equals the validated one."""
        return _build(
            {
                "name": name,
                "value": None if value is None else float(value),
                "unit": unit,
                "band": band,
                "complete": complete,
                "applicable": applicable,
                "components": {} if components is None else dict(components),
                "flags": tuple(flags),
                "missing": tuple(missing),
                "censored": tuple(censored),
                "detail": detail,
                "reference": reference,
            },
        )


_build = trusted_builder(ScoreResult)
# ``ScoreResult.of`` read once: a classmethod read on a pydantic model class takes CPython 3.11's
# slow attribute path (pydantic's model metaclass defines __getattr__), over a thousand
# instructions a call by callgrind, and every score builds its record through it
score_result = ScoreResult.of


ADULT_AGE = 18
"""Scores derived in adults only (qSOFA, CRB-65, FINDRISC, CKD-EPI 2021) apply from this age."""
OLDEST = 130  # the oldest age a patient context takes: "derivation ages 18-130" is every adult
_OUTSIDE_ADULT_AGES = phrases.OUTSIDE_AGES.printf({"age": "%d"}, low=ADULT_AGE, high=OLDEST)


def years(age: float) -> int:
    """Completed years, the one age every score uses: 64.9 is 64 (``triage.patient``)."""
    return math.floor(age)


def adults_only(name: str, age: float | None, *, reference: str, unit: str = "points") -> ScoreResult | None:
    """The not-applicable result of a score derived in adults for a patient under 18, else ``None``."""
    if age is None or years(age) >= ADULT_AGE:
        return None
    return not_applicable(name, _OUTSIDE_ADULT_AGES % years(age), reference=reference, unit=unit)


_NOT_COMPUTED = phrases.NOT_COMPUTED.printf({"inputs": "%s"})
_INCOMPLETE = phrases.INCOMPLETE.printf({"missing": "%s"})
NO_INPUTS = phrases.NO_INPUTS.template


def incomplete(missing: Iterable[str]) -> str:
    """The clause a point score's detail ends with when items are missing."""
    return _INCOMPLETE % ", ".join(missing)


def could_reach(
    components: Mapping[str, int | None], maximum: Mapping[str, int], threshold: int
) -> int | None:
    """The most points a point score's missing items (``None`` in ``components``) could add, at
    their published ``maximum``, when the items present are below ``threshold`` and the missing
    ones could take the total to it; ``None`` when the missing items cannot change whether the
    threshold is reached (none missing, already reached, or out of reach even at their maximum)."""
    total = most = 0  # one pass, the same sums in the same order as two sums over filtered lists
    for k, v in components.items():
        if v is None:
            most += maximum[k]
        else:
            total += v
    return most if total < threshold <= total + most else None


def undetermined(template: str, components: Mapping[str, int | None], total: int, most: int) -> str:
    """The detail of a score :func:`could_reach` its threshold: ``template`` (a phrase's printf
    with ``>=%d`` total, ``%d`` scored, items and most) filled in."""
    scored = sum([v is not None for v in components.values()])
    return template % (total, scored, len(components), most)


UNDETERMINED_SPECS = {"total": ">=%d", "scored": "%d", "items": "%d", "most": "%d"}


def as_read(value: float, code: str, comparators: Mapping[str, str] | None, spec: str = "g") -> str:
    """An input as the device reported it: a censored one with its comparator (``>250``: the
    value scored is just past its bound), else the number (``250``), formatted with ``spec``."""
    comparator = comparators.get(code) if comparators else None
    return f"{comparator or ''}{value:{spec}}"


def percent_shown(risk: float, category: Callable[[float], str]) -> str:
    """A risk in % to one decimal, as the calculators show it; to two, cut (not rounded), where one
    decimal would show a number of another ``category``: 9.96 % is medium on China-PAR, and the
    detail said '10.0 % (medium)' beside a rule for 10 % or more that did not fire."""
    shown = f"{risk:.1f}"
    return shown if category(float(shown)) == category(risk) else f"{math.floor(risk * 100) / 100:.2f}"


def among(censored: tuple[str, ...], inputs: tuple[str, ...]) -> tuple[str, ...]:
    """The censored inputs that belong to a score (``()`` fast when nothing was censored)."""
    if not censored:
        return ()
    return tuple([c for c in censored if c in inputs])


def not_applicable(
    name: str, reason: str, *, reference: str, unit: str = "%", missing: tuple[str, ...] = ()
) -> ScoreResult:
    """A result for inputs outside the score's population (value ``None``)."""
    return score_result(
        name=name,
        value=None,
        unit=unit,
        band="not_applicable",
        complete=not missing,
        applicable=False,
        missing=missing,
        detail=reason,
        reference=reference,
    )


def no_inputs(
    name: str, components: Mapping[str, ComponentValue], missing: Iterable[str], *, reference: str
) -> ScoreResult:
    """A point score none of whose items could be scored: no value and no band (never 0 points,
    which would read as normal), every item named missing."""
    return score_result(
        name=name,
        value=None,
        band=None,
        complete=False,
        components=components,
        missing=missing,
        detail=NO_INPUTS,
        reference=reference,
    )


def missing_result(name: str, missing: tuple[str, ...], *, reference: str, unit: str = "%") -> ScoreResult:
    """An equation that could not be computed because inputs were missing."""
    return score_result(
        name=name,
        value=None,
        unit=unit,
        band=None,
        complete=False,
        missing=missing,
        detail=_NOT_COMPUTED % ", ".join(missing),
        reference=reference,
    )
