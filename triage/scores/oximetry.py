"""Pulse-oximetry SpO2 categories (BTS 2017 oxygen guideline targets; NEWS2 Chart 1 bands).

Scale 1 (most adults, target 94-98 %): <=91 ``critical`` (NEWS2 red 3 points), 92-93 ``low``
(2 points; same-day review), 94-95 ``borderline`` (1 point), >=96 ``normal``.
Scale 2 (clinician-set, hypercapnic respiratory failure, target 88-92 %): <=83 ``critical``,
84-87 ``low``, 88-92 ``target``, >=93 on air ``normal``, and on oxygen 93-96 ``above_target``
and >=97 ``critical_high`` (NEWS2 3 points: risk of oxygen-induced hypercapnia). On scale 2 a
reading of 93 % or more cannot be classified without knowing air or oxygen (normal on air, 3
points on oxygen at 97 %): with ``on_oxygen`` unknown there is no band (never ``normal``),
``supplemental_o2`` is missing and ``triage.assess`` will not conclude local care. Between printed
values the more abnormal band applies, as in :mod:`triage.scores.news2`.
Oximeters overestimate saturation in darker skin (Sjoding et al., NEJM 2020;383:2477): borderline
values are reported, never rounded up.
Under 16 (``age``; NEWS2, its SpO2 scales and the BTS adult target range are not used: RCP NEWS2
2017) a scale-1 reading's detail says the child's bands the SpO2 rules read it on (NICE NG9 2021:
below 92 %, 92-93 %; NICE NG143: 94-95 %, amber; 96 % or more), not scale 1; the bands and their
cut-points are the same, but the record names no NEWS2 scale (``components.scale`` null,
``components.child`` true) and gives the child's references.
"""

from __future__ import annotations

from collections.abc import Mapping

from triage import phrases
from triage.scores.news2 import ADULT_AGE as NEWS2_ADULT_AGE
from triage.scores.news2 import score_spo2_scale1, score_spo2_scale2
from triage.scores.result import ScoreResult, among, as_read, score_result, years

_DETAIL = phrases.OXIMETRY.printf({"spo2": "%s", "scale": "%s", "band": "%s"})
_NOT_CLASSIFIED = phrases.NOT_CLASSIFIED.format(inputs="SpO2")
_NO_OXYGEN_RECORD = phrases.NOT_CLASSIFIED.format(inputs="air or oxygen record (scale 2, SpO2 93 % or more)")

REFERENCE = "BTS guideline for oxygen use in adults 2017; RCP NEWS2 2017 Chart 1"
# a child's bands: NICE NG9 (bronchiolitis, 2021 update: persistently below 92 % on air, consider
# referral) and NICE NG143 (fever in under 5s: 95 % or less in air is an amber sign); their cut-points
# are NEWS2 scale 1's, which is not used under 16
REFERENCE_CHILD = (
    "NICE NG9 2021 (a child's SpO2 below 92 % on air); NICE NG143 (95 % or less in air: amber);"
    " cut-points as RCP NEWS2 2017 Chart 1 scale 1, which is not used under 16"
)

_SCALE1 = {3: "critical", 2: "low", 1: "borderline", 0: "normal"}
_CHILD = {band: phrase.printf({"spo2": "%s"}) for band, phrase in phrases.OXIMETRY_CHILD.items()}


def read_as_a_childs(age: float | None, *, scale2: bool) -> bool:
    """Whether a SpO2 is a child's, said on NICE NG9's bands: under 16 (completed years) on scale 1;
    a clinician-set scale 2 stays scale 2, and an unknown age is read as an adult's."""
    return age is not None and not scale2 and years(age) < NEWS2_ADULT_AGE


def oximetry(
    *,
    spo2: float | None,
    on_oxygen: bool | None,
    scale2: bool,
    censored: tuple[str, ...] = (),
    comparators: Mapping[str, str] | None = None,
    age: float | None = None,
) -> ScoreResult:
    """The SpO2 band on the scale given; ``comparators``: a censored SpO2's (``{"spo2": "<"}``),
    shown with it in the detail; ``age`` (years) under 16 says the detail as a child's."""
    if spo2 is None:
        return score_result(
            name="oximetry",
            value=None,
            unit="%",
            band=None,
            complete=False,
            missing=("spo2",),
            detail=_NOT_CLASSIFIED,
            reference=REFERENCE,
        )
    missing: tuple[str, ...] = ()
    if not scale2:
        band = _SCALE1[score_spo2_scale1(spo2)]
    else:
        points = score_spo2_scale2(spo2, bool(on_oxygen))
        if spo2 < 88:
            band = "critical" if points == 3 else "low"
        elif spo2 <= 92:
            band = "target"
        elif on_oxygen is None:
            return score_result(
                name="oximetry",
                value=spo2,
                unit="%",
                band=None,
                complete=False,
                components={"scale": 2, "on_oxygen": None},
                missing=("supplemental_o2",),
                censored=among(censored, ("spo2",)),
                detail=_NO_OXYGEN_RECORD,
                reference=REFERENCE,
            )
        elif not on_oxygen:
            band = "normal"
        else:
            band = "critical_high" if points == 3 else "above_target"
    flags = ("spo2_critical",) if band in ("critical", "critical_high") else ()
    shown = as_read(spo2, "spo2", comparators)
    if read_as_a_childs(age, scale2=scale2):
        # no NEWS2 scale under 16: the record says the child's band and its sources, not scale 1
        components: dict[str, int | bool | None] = {"scale": None, "on_oxygen": on_oxygen, "child": True}
        detail, reference = _CHILD[band] % shown, REFERENCE_CHILD
    else:
        components = {"scale": 2 if scale2 else 1, "on_oxygen": on_oxygen}
        detail = _DETAIL % (shown, "2" if scale2 else "1", band.replace("_", " "))
        reference = REFERENCE
    return score_result(
        name="oximetry",
        value=spo2,
        unit="%",
        band=band,
        complete=not missing,
        components=components,
        flags=flags,
        missing=missing,
        censored=among(censored, ("spo2",)),
        detail=detail,
        reference=reference,
    )
