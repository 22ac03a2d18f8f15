"""Kidney function: CKD-EPI 2021 race-free creatinine eGFR (Inker LA et al., NEJM
2021;385:1737) and KDIGO 2012/2024 GFR and albuminuria categories.

eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x 1.012 [female], Scr in
mg/dL (umol/L / 88.4), k = 0.7 (women) / 0.9 (men), a = -0.241 (women) / -0.302 (men).
A laboratory's eGFR is its own result (another equation or creatinine, perhaps): it is kept beside
the one computed from creatinine, and the lower of the two is staged and routed (a discordance
across a cut point takes the more severe stage). With sex not recorded, CKD-EPI is computed for
either sex and the lower is used (``missing`` names ``sex``); the detail names every estimate when
they differ.
GFR categories: G1 >=90, G2 60-89, G3a 45-59, G3b 30-44, G4 15-29, G5 <15.
Albuminuria (ACR, mg/g): A1 <30, A2 30-300, A3 >300; a ratio reported in mg/mmol on KDIGO's own
mg/mmol members, A1 <3, A2 3-30, A3 >30 (approximate equivalents, not conversions: 3 mg/mmol is
26.5 mg/g), so a reading on a printed cut-point is staged as printed in either unit.

Rounding: KDIGO 2012 (recommendation 1.4.3.4) asks laboratories to report eGFR rounded to the
nearest whole number in mL/min/1.73 m2, and its G categories are printed on whole numbers
(G2 60-89, G3a 45-59): a category is a reported number's. So the eGFR is rounded half up to an
integer (59.5 -> 60, G2; 59.49 -> 59, G3a; 29.5 -> 30, G3b) and ``value``, the category and the
eGFR rules (<30, 30-59) all use that integer; the unrounded figure is kept in
``components["egfr_unrounded"]``. A censored reported eGFR (``<15``, ``>90``) is not rounded: ``<15``
stays below 15 (G5). Age enters the equation in completed years; CKD-EPI 2021 was derived in
adults, so under 18 no eGFR is computed from creatinine (a reported eGFR is still used). No
creatinine equation is validated in pregnancy (the GFR rises by about half and creatinine falls:
Smith MC et al. BJOG 2008;115:109): a pregnant woman's eGFR is staged and routed as anyone's, its
detail saying so (``phrases.KIDNEY_PREGNANCY``).

CKD at G1 and G2: KDIGO defines CKD as an eGFR below 60 *or* a marker of kidney damage (such as
albuminuria, ACR >=30 mg/g), for more than 3 months. An eGFR of 60 or more alone therefore neither
establishes nor stages CKD: without an ACR the result is not complete, ``missing`` names
``albumin_creatinine_ratio`` and the detail says CKD cannot be established or staged; ``band``
stays the GFR category of the number (``G1``/``G2``). G3a to G5 stand on the eGFR alone. Chronicity
is not checked: the categories are those of the readings of this assessment (one eGFR and one ACR,
the latest), not a diagnosis of CKD, which needs them to persist for more than 3 months.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from triage import phrases
from triage.scores.result import ADULT_AGE, ScoreResult, adults_only, among, as_read, score_result, years
from triage.units import CREATININE_UMOLL_PER_MGDL

_NOT_CLASSIFIED = phrases.NOT_CLASSIFIED.format(inputs="creatinine, eGFR or ACR")
_EGFR = phrases.KIDNEY_EGFR.printf({"egfr": "%s", "gfr_category": "%s"})
_ACR = phrases.KIDNEY_ACR.printf({"acr": "%s", "albuminuria": "%s"})
_UNSTAGED = phrases.KIDNEY_EGFR_UNSTAGED.printf({"egfr": "%s", "gfr_category": "%s"})
_BOTH = phrases.KIDNEY.printf({"egfr": "%s", "gfr_category": "%s", "acr": "%s", "albuminuria": "%s"})
# the clause that names every eGFR, appended to any eGFR phrasing (phrases.KIDNEY*_ESTIMATES)
_ESTIMATES = phrases.KIDNEY_EGFR_ESTIMATES.template.removeprefix(phrases.KIDNEY_EGFR.template)
_PREGNANCY = "; " + phrases.KIDNEY_PREGNANCY.template

REFERENCE = "Inker LA et al. NEJM 2021;385:1737 (CKD-EPI 2021); KDIGO 2012/2024"


def ckd_epi_2021(creatinine_umol_l: float, age: float, sex: str) -> float:
    scr = creatinine_umol_l / CREATININE_UMOLL_PER_MGDL
    female = sex == "female"
    k = 0.7 if female else 0.9
    a = -0.241 if female else -0.302
    ratio = scr / k
    egfr = 142.0 * min(ratio, 1.0) ** a * max(ratio, 1.0) ** -1.200 * 0.9938**age
    return egfr * (1.012 if female else 1.0)


def reported_egfr(egfr: float) -> float:
    """``egfr`` as a laboratory reports it: the nearest whole number, halves up (KDIGO 2012 1.4.3.4;
    Python's ``round`` would take 60.5 to 60)."""
    return float(math.floor(egfr + 0.5))


def gfr_category(egfr: float) -> str:
    """The KDIGO G category of a *reported* (whole-number) eGFR; see :func:`reported_egfr`."""
    if egfr >= 90:
        return "G1"
    if egfr >= 60:
        return "G2"
    if egfr >= 45:
        return "G3a"
    if egfr >= 30:
        return "G3b"
    if egfr >= 15:
        return "G4"
    return "G5"


def _shown(egfr: float) -> str:
    """A reported eGFR as a whole number; a censored one as reported (``<15``, ``>90``)."""
    if egfr.is_integer():
        return f"{egfr:.0f}"
    whole = reported_egfr(egfr)
    return f"{'<' if egfr < whole else '>'}{whole:.0f}"


def _staged(source: str, egfr: float, censored: tuple[str, ...]) -> float:
    """An eGFR as it is staged: the reported whole number, a censored laboratory one as reported."""
    return egfr if source == "reported" and "egfr" in censored else reported_egfr(egfr)


def _estimates(detail: str, estimates: dict[str, float], censored: tuple[str, ...]) -> str:
    """``detail`` (one of the eGFR phrasings) with every eGFR named: ``...; eGFR estimates differ
    (laboratory 25, CKD-EPI 2021 from creatinine 30): the lowest is used``."""
    named = ", ".join(
        phrases.KIDNEY_ESTIMATE[k].format(egfr=_shown(_staged(k, v, censored))) for k, v in estimates.items()
    )
    return detail + _ESTIMATES.format(estimates=named)


def albuminuria_category(acr_mg_g: float, acr_mg_mmol: float | None = None) -> str:
    """KDIGO A1 <30, A2 30-300, A3 >300 mg/g; a ratio reported in mg/mmol (``acr_mg_mmol``, as
    reported) on KDIGO's mg/mmol members <3, 3-30, >30 - not exact conversions (3 mg/mmol is 26.5
    mg/g, which the mg/g cut-point would put in A1)."""
    low, high, acr = (30.0, 300.0, acr_mg_g) if acr_mg_mmol is None else (3.0, 30.0, acr_mg_mmol)
    if acr < low:
        return "A1"
    if acr <= high:
        return "A2"
    return "A3"


def kidney(
    *,
    creatinine: float | None,
    egfr_measured: float | None,
    acr: float | None,
    age: float | None,
    sex: str | None,
    censored: tuple[str, ...] = (),
    comparators: Mapping[str, str] | None = None,
    acr_mg_mmol: float | None = None,
    pregnant: bool | None = None,
) -> ScoreResult:
    """The eGFR (G) and albuminuria (A) categories; ``comparators``: a censored ACR's
    (``{"albumin_creatinine_ratio": ">"}``), shown with it in the detail (``ACR >300 mg/g (A3)``);
    ``acr_mg_mmol``: the ACR as reported in mg/mmol, staged on KDIGO's mg/mmol cut-points and shown
    with its mg/g (``ACR 3 mg/mmol = 26.5 mg/g (A2)``). ``pregnant`` true: an eGFR (computed or a
    laboratory's) is staged and routed as for anyone (conservatively: below 30 or 60 still refers),
    its detail ending with the limitation - no creatinine equation is validated in pregnancy - and
    flag ``not_validated_in_pregnancy``."""
    components: dict[str, float | int | str | bool | None] = {}
    missing: list[str] = []
    egfr: float | None = None
    adult = age is None or years(age) >= ADULT_AGE
    # every eGFR at hand, the lowest staged and routed: a laboratory's eGFR (its own result, possibly
    # another equation or creatinine) beside the one computed here, and with sex not recorded CKD-EPI
    # for either sex (the patient is one of them): a discordance across a cut point takes the more
    # severe stage
    estimates: dict[str, float] = {} if egfr_measured is None else {"reported": egfr_measured}
    if creatinine is not None and age is not None and adult:
        for s in ("female", "male") if sex is None else (sex,):
            estimates["ckd_epi_2021" if sex else f"ckd_epi_2021_{s}"] = ckd_epi_2021(
                creatinine, years(age), s
            )
        if sex is None:
            missing.append("sex")
    if estimates:
        rounded = {k: _staged(k, v, censored) for k, v in estimates.items()}
        source = min(rounded, key=lambda k: rounded[k])
        egfr = estimates[source]
        components["egfr_source"] = source
        if len(estimates) > 1:
            components.update({f"egfr_{k}": v for k, v in rounded.items()})
    elif not adult:
        child = adults_only("kidney", age, reference=REFERENCE, unit="mL/min/{1.73_m2}")
        if acr is None and child is not None:
            return child
        components["egfr_source"] = "not_applicable_under_18"
    elif creatinine is None:
        missing.append("creatinine")
    else:
        missing += [n for n, v in (("age", age), ("sex", sex)) if v is None]
    if acr is not None:
        components["albuminuria"] = albuminuria_category(acr, acr_mg_mmol)
    if egfr is not None:
        components["egfr_unrounded"] = egfr
        egfr = _staged(str(components["egfr_source"]), egfr, censored)
        components["gfr_category"] = gfr_category(egfr)
    if egfr is not None and acr is None and egfr >= 60:  # G1, G2: CKD only with kidney damage
        missing.append("albumin_creatinine_ratio")
    if egfr is None and acr is None:
        return score_result(
            name="kidney",
            value=None,
            unit="mL/min/{1.73_m2}",
            band=None,
            complete=False,
            components=components,
            missing=tuple(missing),
            detail=_NOT_CLASSIFIED,
            reference=REFERENCE,
        )
    flags: list[str] = []
    if egfr is not None and egfr < 30:
        flags.append("egfr_below_30")
    elif egfr is not None and egfr < 60:
        flags.append("egfr_30_59")
    if components.get("albuminuria") in ("A2", "A3"):
        flags.append("albuminuria_a2_a3" if components["albuminuria"] == "A2" else "albuminuria_a3")
    band = str(components.get("gfr_category") or components.get("albuminuria"))
    shown_acr = "" if acr is None else as_read(acr, "albumin_creatinine_ratio", comparators)
    if acr is not None and acr_mg_mmol is not None:  # as reported, then its mg/g
        shown_acr = f"{as_read(acr_mg_mmol, 'albumin_creatinine_ratio', comparators)} mg/mmol = {acr:.1f}"
    if egfr is None:
        detail = _ACR % (shown_acr, components["albuminuria"])
    elif acr is None:
        unstaged = "albumin_creatinine_ratio" in missing
        detail = (_UNSTAGED if unstaged else _EGFR) % (_shown(egfr), components["gfr_category"])
    else:
        detail = _BOTH % (_shown(egfr), components["gfr_category"], shown_acr, components["albuminuria"])
    if egfr is not None and len({_staged(k, v, censored) for k, v in estimates.items()}) > 1:
        detail = _estimates(detail, estimates, censored)
    if egfr is not None and pregnant:  # GFR up by half, creatinine down (Smith MC et al. BJOG 2008)
        detail += _PREGNANCY
        flags.append("not_validated_in_pregnancy")
    return score_result(
        name="kidney",
        value=egfr,
        unit="mL/min/{1.73_m2}",
        band=band,
        complete=not missing,
        components=components,
        flags=tuple(flags),
        missing=tuple(missing),
        censored=among(censored, ("creatinine", "egfr", "albumin_creatinine_ratio")),
        detail=detail,
        reference=REFERENCE,
    )
