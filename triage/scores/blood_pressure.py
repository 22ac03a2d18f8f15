"""Office blood-pressure grades and hypertensive crisis (single reading, mmHg).

- Chinese 2018 guideline (中国高血压防治指南2018年修订版; 高血压基层诊疗指南 2019): normal <120 and
  <80; high-normal 120-139 and/or 80-89; grade 1 140-159 and/or 90-99; grade 2 160-179 and/or
  100-109; grade 3 >=180 and/or >=110; isolated systolic >=140 and <90. When SBP and DBP fall in
  different grades the higher grade wins. ESC/ESH grades share these cut-points.
- ACC/AHA 2017 (Whelton et al., Hypertension 2018;71:e13): normal, elevated (120-129 and <80),
  stage 1 (130-139 or 80-89), stage 2 (>=140 or >=90).
- Hypertensive crisis: SBP >180 and/or DBP >120 (ACC/AHA); an emergency with target-organ damage.
- WHO HEARTS-D Annex 3 urgent same-day referral: BP >200 and/or >110 (flag ``hearts_urgent``).

Age (completed years, ``triage.scores.result.years``): the adult grades apply from 18 (and when the
age is unknown). 13-17: the AAP 2017 static classification for adolescents (Flynn JT et al.
Pediatrics 2017;140:e20171904, Table 3: normal <120/<80; elevated 120-129/<80; stage 1 130-139
and/or 80-89; stage 2 >=140 and/or >=90), band one of ``ADOLESCENT`` and ``value`` its index. Under
13 a child's pressure is read on percentile tables for sex, age and height (AAP 2017; the Chinese
2018 guideline: >=P95 of the Chinese 3-17 tables), which this engine does not hold: ``band``
``not_applicable``, ``value`` None and the detail says so. The crisis and HEARTS-D flags are
raised at every age (AAP 2017 Table 11 footnote d sends an adolescent above 180/120 to emergency
care, and a child more than 30 mmHg above the 95th percentile: above 180/120 every child of 1-12 is,
the tables' highest 95th percentile being 128/79 - ``triage.rule_checks.CHILD_P95_MAX``).

One reading cannot diagnose hypertension (3 separate days are needed), so bands read "in the
grade-N range". With one of SBP/DBP missing, the grade is a lower bound (``complete`` false);
below grade 1 (normal, high normal) it is not a band at all - the missing pressure could reach any
grade - so ``band`` is ``incomplete`` and the detail asks for both pressures (``value`` stays the
lower bound's grade).
"""

from __future__ import annotations

from collections.abc import Mapping

from triage import phrases
from triage.phrases import Phrase
from triage.scores.result import ADULT_AGE, ScoreResult, among, as_read, score_result, years

_NOT_CLASSIFIED = phrases.NOT_CLASSIFIED.format(inputs="blood pressure")


def _printf(fields: dict[str, str], *table: Phrase) -> dict[tuple[bool, bool], str]:
    """(one pressure missing, crisis range) -> the detail's %-format, from the phrases for
    (both, no crisis), (one missing, no crisis), (both, crisis), (one missing, crisis)."""
    keys = ((False, False), (True, False), (False, True), (True, True))
    return {key: phrase.printf(fields) for key, phrase in zip(keys, table, strict=True)}


_DETAILS = _printf(
    {"bp": "%s", "grade": "%s"},
    phrases.BLOOD_PRESSURE,
    phrases.BLOOD_PRESSURE_PARTIAL,
    phrases.BLOOD_PRESSURE_CRISIS,
    phrases.BLOOD_PRESSURE_PARTIAL_CRISIS,
)
# 13-17: the stage, not a grade, is the lower bound
_DETAILS_ADOLESCENT = {
    **_DETAILS,
    **{
        (True, crisis): phrase.printf({"bp": "%s", "grade": "%s"})
        for crisis, phrase in (
            (False, phrases.BLOOD_PRESSURE_PARTIAL_ADOLESCENT),
            (True, phrases.BLOOD_PRESSURE_PARTIAL_ADOLESCENT_CRISIS),
        )
    },
}
_UNDETERMINED = phrases.BLOOD_PRESSURE_UNDETERMINED.printf({"bp": "%s"})
_UNDETERMINED_ADOLESCENT = phrases.BLOOD_PRESSURE_UNDETERMINED_ADOLESCENT.printf({"bp": "%s"})
# under 13: not graded
_CHILD = _printf(
    {"bp": "%s", "age": "%d"},
    phrases.BLOOD_PRESSURE_CHILD,
    phrases.BLOOD_PRESSURE_CHILD_PARTIAL,
    phrases.BLOOD_PRESSURE_CHILD_CRISIS,
    phrases.BLOOD_PRESSURE_CHILD_PARTIAL_CRISIS,
)

REFERENCE = (
    "中国高血压防治指南2018年修订版; Whelton PK et al. Hypertension 2018;71:e13; WHO HEARTS-D (2020) Annex 3;"
    " Flynn JT et al. Pediatrics 2017;140:e20171904 (under 18)"
)

GRADES = ("normal", "high_normal", "grade_1", "grade_2", "grade_3")
ADOLESCENT = ("normal", "elevated", "stage_1", "stage_2")
"""AAP 2017 categories for ages 13-17 (the band and, as its index, the value)."""
ADOLESCENT_AGE = 13
"""From this age (to 17) the AAP 2017 static thresholds; below it percentile tables (not graded)."""
# the words of an adolescent's band in the detail's "{grade} range"
_ADOLESCENT_WORDS = {
    "normal": "AAP 2017 adolescent normal",
    "elevated": "AAP 2017 adolescent elevated",
    "stage_1": "AAP 2017 adolescent stage 1",
    "stage_2": "AAP 2017 adolescent stage 2",
}


def sbp_grade(sbp: float) -> int:
    """Index into GRADES for systolic pressure."""
    if sbp < 120:
        return 0
    if sbp < 140:
        return 1
    if sbp < 160:
        return 2
    if sbp < 180:
        return 3
    return 4


def dbp_grade(dbp: float) -> int:
    if dbp < 80:
        return 0
    if dbp < 90:
        return 1
    if dbp < 100:
        return 2
    if dbp < 110:
        return 3
    return 4


def acc_aha_category(sbp: float, dbp: float) -> str:
    if sbp >= 140 or dbp >= 90:
        return "stage_2"
    if sbp >= 130 or dbp >= 80:
        return "stage_1"
    if sbp >= 120:
        return "elevated"
    return "normal"


def is_crisis(sbp: float | None, dbp: float | None) -> bool:
    return (sbp is not None and sbp > 180) or (dbp is not None and dbp > 120)


def is_severe(sbp: float | None, dbp: float | None) -> bool:
    """The grade-3 range, ``>=180 and/or >=110``: with acute target-organ damage a hypertensive
    emergency (ESC/ESH 2024; ISH 2020 s10.4) - for adults, and under 13 for want of percentile
    tables (:func:`emergency_threshold`)."""
    return (sbp is not None and sbp >= 180) or (dbp is not None and dbp >= 110)


def emergency_threshold(age: float | None) -> str:
    """Which pressure, with an acute symptom of target-organ damage, is a hypertensive emergency at
    this age: ``adolescent`` at 13-17 - AAP 2017 stage 2, >=140 and/or >=90 (Flynn JT et al.
    Pediatrics 2017;140:e20171904, Table 11 footnote d: stage 2 and symptomatic, send to an
    emergency department); ``child`` under 13, where that stage is read on percentile tables for sex, age and
    height this engine does not hold - the adult >=180 and/or >=110 is used, and the reason says
    so; ``adult`` from 18 and when the age is unknown."""
    if age is None or years(age) >= ADULT_AGE:
        return "adult"
    return "adolescent" if years(age) >= ADOLESCENT_AGE else "child"


def is_emergency_pressure(sbp: float | None, dbp: float | None, age: float | None) -> bool:
    """A pressure that is a hypertensive emergency with an acute symptom (:func:`emergency_threshold`)."""
    if emergency_threshold(age) == "adolescent":
        return adolescent_category(sbp, dbp) == len(ADOLESCENT) - 1
    return is_severe(sbp, dbp)


def is_hearts_urgent(sbp: float | None, dbp: float | None) -> bool:
    return (sbp is not None and sbp > 200) or (dbp is not None and dbp > 110)


def adolescent_category(sbp: float | None, dbp: float | None) -> int:
    """Index into ADOLESCENT (AAP 2017, 13-17 years) of the pressures given (a missing one: 0)."""
    if (sbp is not None and sbp >= 140) or (dbp is not None and dbp >= 90):
        return 3
    if (sbp is not None and sbp >= 130) or (dbp is not None and dbp >= 80):
        return 2
    return 1 if sbp is not None and sbp >= 120 else 0


def blood_pressure(
    *,
    sbp: float | None,
    dbp: float | None,
    age: float | None,
    censored: tuple[str, ...] = (),
    comparators: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Chinese grade (value 0-4 = index into GRADES), ACC/AHA category and crisis flags; under 18
    the adolescent category (13-17) or not graded (under 13), crisis flags at every age. ``age``
    unknown (``None``): the adult grades. ``comparators``: a censored pressure's (``{"sbp": ">"}``),
    shown with it in the detail (``>250/100 mmHg``)."""
    missing = tuple(n for n, v in (("sbp", sbp), ("dbp", dbp)) if v is None)
    if sbp is None and dbp is None:
        return score_result(
            name="blood_pressure",
            value=None,
            unit="grade",
            band=None,
            complete=False,
            missing=missing,
            detail=_NOT_CLASSIFIED,
            reference=REFERENCE,
        )
    s = sbp_grade(sbp) if sbp is not None else 0
    d = dbp_grade(dbp) if dbp is not None else 0
    grade = max(s, d)
    flags: list[str] = []
    isolated = sbp is not None and dbp is not None and sbp >= 140 and dbp < 90
    if isolated:
        flags.append("isolated_systolic")
    if is_crisis(sbp, dbp):
        flags.append("hypertensive_crisis")
    if is_hearts_urgent(sbp, dbp):
        flags.append("hearts_urgent")
    components: dict[str, float | int | str | bool | None] = {
        "sbp_grade": GRADES[s] if sbp is not None else None,
        "dbp_grade": GRADES[d] if dbp is not None else None,
        "acc_aha": acc_aha_category(sbp, dbp) if sbp is not None and dbp is not None else None,
    }
    shown = "/".join(
        ["?" if v is None else as_read(v, code, comparators) for code, v in (("sbp", sbp), ("dbp", dbp))]
    )
    if age is not None and years(age) < ADULT_AGE:
        return _under_18(years(age), sbp, dbp, shown, tuple(flags), missing, among(censored, ("sbp", "dbp")))
    detail = _DETAILS[bool(missing), "hypertensive_crisis" in flags] % (
        shown,
        GRADES[grade].replace("_", " "),
    )
    band = GRADES[grade]
    if missing and grade < GRADES.index("grade_1"):
        band, detail = "incomplete", _UNDETERMINED % shown
    return score_result(
        name="blood_pressure",
        value=float(grade),
        unit="grade",
        band=band,
        complete=not missing,
        components=components,
        flags=tuple(flags),
        missing=missing,
        censored=among(censored, ("sbp", "dbp")),
        detail=detail,
        reference=REFERENCE,
    )


def _under_18(
    age: int,
    sbp: float | None,
    dbp: float | None,
    shown: str,
    flags: tuple[str, ...],
    missing: tuple[str, ...],
    censored: tuple[str, ...],
) -> ScoreResult:
    """No adult grade under 18: the AAP 2017 adolescent category at 13-17, none below 13."""
    flags = tuple([f for f in flags if f != "isolated_systolic"])  # an adult (Chinese) category
    crisis = "hypertensive_crisis" in flags
    if age < ADOLESCENT_AGE:
        return score_result(
            name="blood_pressure",
            value=None,
            unit="grade",
            band="not_applicable",
            complete=not missing,
            applicable=False,
            flags=flags,
            missing=missing,
            censored=censored,
            detail=_CHILD[bool(missing), crisis] % (shown, age),
            reference=REFERENCE,
        )
    index = adolescent_category(sbp, dbp)
    band = ADOLESCENT[index]
    detail = _DETAILS_ADOLESCENT[bool(missing), crisis] % (shown, _ADOLESCENT_WORDS[band])
    if missing and index < ADOLESCENT.index("stage_1"):
        # the missing pressure could reach any stage (a diastolic of 80 alone is stage 1)
        band, detail = "incomplete", _UNDETERMINED_ADOLESCENT % shown
    return score_result(
        name="blood_pressure",
        value=float(index),
        unit="grade",
        band=band,
        complete=not missing,
        components={"aap_2017": ADOLESCENT[index], "sbp_grade": None, "dbp_grade": None, "acc_aha": None},
        flags=flags,
        missing=missing,
        censored=censored,
        detail=detail,
        reference=REFERENCE,
    )
