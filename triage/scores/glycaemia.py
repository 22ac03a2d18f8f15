"""Glucose and HbA1c diagnostic cut-offs and critical values (canonical units: mmol/L and %).

Diagnostic ranges (ADA Standards of Care 2025 s2; WHO 1999/2006; 中国2型糖尿病防治指南 2020):

- fasting plasma glucose: >=7.0 diabetes range; 6.1-6.9 IFG (WHO 1999; 中国2型糖尿病防治指南 2020),
  the band ``prediabetes_range``: the clinics this serves follow China's guideline, which keeps WHO
  1999, so 5.6-6.0 (100-109 mg/dL), IFG for ADA 2025 only, is the band ``normal`` (its component
  still says ``ifg_ada``, the ADA category, and 6.1-6.9 ``ifg_who_china``);
- HbA1c (NGSP): >=6.5 % diabetes range; 5.7-6.4 % prediabetes (ADA; CDS 2020 defines no
  prediabetes range by HbA1c);
- random plasma glucose: >=11.1 diabetes range *with classic symptoms or crisis*.

Cut-offs are published as pairs (7.0 mmol/L = 126 mg/dL, 5.6 = 100, 6.1 = 110, 11.1 = 200,
3.9 = 70, 3.0 = 54, 33.3 = 600) that are not exact conversions of each other (126 / 18.016 =
6.994). A glucose reported in mg/dL is therefore compared with the mg/dL member of each pair
(``*_mgdl`` arguments), one reported in mmol/L with the mmol/L member, so a reading exactly on a
printed cut-off is classified as printed in either unit. The policy's critical values are
settings in mmol/L: one that is the mmol/L member of a published pair (the default critical low
3.0 = 54 mg/dL) is compared with a mg/dL reading through its mg/dL member, so 54 mg/dL is level 1
hypoglycaemia, as 3.0 mmol/L is, not below the critical low; any other setting (the default
critical high 22.2) is compared in mmol/L.

One device reading is never a diagnosis: categories say ``diabetes_range`` ("suspected").

Acute values: hypoglycaemia level 1 <3.9 and >=3.0, level 2 <3.0 (ADA). Critical values are
policy settings with the risk.md defaults <3.0 (``critical_low``) and >22.2 mmol/L
(``critical_high``). Glucose >=33.3 mmol/L (600 mg/dL) is the HHS glucose criterion
(Umpierrez et al., Diabetes Care 2024; flag ``hhs_range``). Urine ketones >=2+ together with
known diabetes or glucose >=11.1 mmol/L flags ``ketones_with_hyperglycaemia`` (WHO HEARTS-D
Annex 3: urgent same-day referral).
"""

from __future__ import annotations

from triage import phrases
from triage.scores.result import ScoreResult, among, score_result

_NOT_CLASSIFIED = phrases.NOT_CLASSIFIED.format(inputs="glucose or HbA1c")
_SUSPECTED = phrases.GLYCAEMIA_SUSPECTED.printf({"band": "%s"})
_KNOWN = phrases.GLYCAEMIA_KNOWN.printf({"band": "%s"})

REFERENCE = (
    "IFG 6.1-6.9 mmol/L (110-125 mg/dL): WHO 1999, 中国2型糖尿病防治指南 2020 (ADA 2025 s2: 5.6, not"
    " used); HbA1c 5.7-6.4 %: ADA Standards of Care in Diabetes-2025 s2; WHO 2006; "
    "WHO HEARTS-D (2020) Annex 3; Umpierrez GE et al. Diabetes Care 2024"
)

FPG_DIABETES = 7.0
FPG_IFG_ADA = 5.6
FPG_IFG_WHO = 6.1
HBA1C_DIABETES = 6.5
HBA1C_PREDIABETES = 5.7
RANDOM_DIABETES = 11.1
HYPO_LEVEL1 = 3.9
HYPO_LEVEL2 = 3.0
HHS_GLUCOSE = 33.3
# mg/dL members of the published pairs
FPG_DIABETES_MGDL = 126.0
FPG_IFG_ADA_MGDL = 100.0
FPG_IFG_WHO_MGDL = 110.0
RANDOM_DIABETES_MGDL = 200.0
HYPO_LEVEL1_MGDL = 70.0
HYPO_LEVEL2_MGDL = 54.0
HHS_GLUCOSE_MGDL = 600.0
DEFAULT_CRITICAL_LOW = 3.0
DEFAULT_CRITICAL_HIGH = 22.2
KETONES_2PLUS = ("2+", "3+", "4+")

# Most severe first; the band is the first category found.
SEVERITY = (
    "critical_low",
    "hhs_range",
    "critical_high",
    "hypoglycaemia_level1",
    "diabetes_range",
    "prediabetes_range",
    "normal",
)


# published pairs, mmol/L -> mg/dL: a policy critical value equal to one is compared as printed
_PAIRS = {
    HYPO_LEVEL2: HYPO_LEVEL2_MGDL,
    HYPO_LEVEL1: HYPO_LEVEL1_MGDL,
    FPG_IFG_ADA: FPG_IFG_ADA_MGDL,
    FPG_IFG_WHO: FPG_IFG_WHO_MGDL,
    FPG_DIABETES: FPG_DIABETES_MGDL,
    RANDOM_DIABETES: RANDOM_DIABETES_MGDL,
    HHS_GLUCOSE: HHS_GLUCOSE_MGDL,
}


def published_mgdl(setting: float) -> float | None:
    """The mg/dL member of the published pair whose mmol/L member is ``setting`` (3.0: 54), if any."""
    return _PAIRS.get(setting)


def _ge(mmol: float, mgdl: float | None, cut: float, cut_mgdl: float) -> bool:
    """``value >= cut`` in the unit the value was reported in."""
    return mgdl >= cut_mgdl if mgdl is not None else mmol >= cut


def _below_setting(mmol: float, mgdl: float | None, setting: float) -> bool:
    """``value < setting`` (a policy value, mmol/L): as printed when it is one of a published pair."""
    cut = _PAIRS.get(setting) if mgdl is not None else None
    return mmol < setting if mgdl is None or cut is None else mgdl < cut


def _above_setting(mmol: float, mgdl: float | None, setting: float) -> bool:
    """``value > setting`` (a policy value, mmol/L): as printed when it is one of a published pair."""
    cut = _PAIRS.get(setting) if mgdl is not None else None
    return mmol > setting if mgdl is None or cut is None else mgdl > cut


def fasting_category(fpg: float, mgdl: float | None = None) -> str:
    """Category of a fasting glucose (mmol/L; ``mgdl`` = the value as reported in mg/dL, if it was)."""
    if not _ge(fpg, mgdl, HYPO_LEVEL2, HYPO_LEVEL2_MGDL):
        return "hypoglycaemia_level2"
    if not _ge(fpg, mgdl, HYPO_LEVEL1, HYPO_LEVEL1_MGDL):
        return "hypoglycaemia_level1"
    if _ge(fpg, mgdl, FPG_DIABETES, FPG_DIABETES_MGDL):
        return "diabetes_range"
    if _ge(fpg, mgdl, FPG_IFG_WHO, FPG_IFG_WHO_MGDL):
        return "ifg_who_china"
    if _ge(fpg, mgdl, FPG_IFG_ADA, FPG_IFG_ADA_MGDL):
        return "ifg_ada"
    return "normal"


def random_category(rpg: float, mgdl: float | None = None) -> str:
    if not _ge(rpg, mgdl, HYPO_LEVEL2, HYPO_LEVEL2_MGDL):
        return "hypoglycaemia_level2"
    if not _ge(rpg, mgdl, HYPO_LEVEL1, HYPO_LEVEL1_MGDL):
        return "hypoglycaemia_level1"
    if _ge(rpg, mgdl, RANDOM_DIABETES, RANDOM_DIABETES_MGDL):
        return "diabetes_range"
    return "normal"


def hba1c_category(a1c: float) -> str:
    if a1c >= HBA1C_DIABETES:
        return "diabetes_range"
    if a1c >= HBA1C_PREDIABETES:
        return "prediabetes_range"
    return "normal"


def glycaemia(
    *,
    glucose_fasting: float | None,
    glucose_random: float | None,
    hba1c: float | None,
    known_diabetes: bool | None,
    urine_ketones: str | None = None,
    critical_low: float = DEFAULT_CRITICAL_LOW,
    critical_high: float = DEFAULT_CRITICAL_HIGH,
    glucose_fasting_mgdl: float | None = None,
    glucose_random_mgdl: float | None = None,
    censored: tuple[str, ...] = (),
) -> ScoreResult:
    """Classify the glucose/HbA1c results (mmol/L, %); ``*_mgdl``: the value as reported in mg/dL."""
    found: set[str] = set()
    components: dict[str, float | int | str | bool | None] = {}
    glucoses = [
        (g, mg)
        for g, mg in ((glucose_fasting, glucose_fasting_mgdl), (glucose_random, glucose_random_mgdl))
        if g is not None
    ]
    if glucose_fasting is not None:
        cat = fasting_category(glucose_fasting, glucose_fasting_mgdl)
        components["glucose_fasting"] = cat
        if cat == "ifg_who_china":  # the band follows CDS 2020 (WHO 1999): 6.1-6.9; ifg_ada is normal
            found.add("prediabetes_range")
        elif cat not in ("normal", "ifg_ada") and not cat.startswith("hypoglycaemia"):
            found.add(cat)
    if glucose_random is not None:
        cat = random_category(glucose_random, glucose_random_mgdl)
        components["glucose_random"] = cat
        if cat == "diabetes_range":
            found.add(cat)
    if hba1c is not None:
        cat = hba1c_category(hba1c)
        components["hba1c"] = cat
        if cat != "normal":
            found.add(cat)
    for g, mg in glucoses:
        if _below_setting(g, mg, critical_low):
            found.add("critical_low")
        elif not _ge(g, mg, HYPO_LEVEL1, HYPO_LEVEL1_MGDL):
            found.add("hypoglycaemia_level1")
        if _ge(g, mg, HHS_GLUCOSE, HHS_GLUCOSE_MGDL):
            found.add("hhs_range")
        if _above_setting(g, mg, critical_high):
            found.add("critical_high")
    flags: list[str] = []
    missing: tuple[str, ...] = ()
    if urine_ketones is not None:
        components["urine_ketones"] = urine_ketones
        hyper = any(_ge(g, mg, RANDOM_DIABETES, RANDOM_DIABETES_MGDL) for g, mg in glucoses)
        if urine_ketones in KETONES_2PLUS and (known_diabetes or hyper):
            flags.append("ketones_with_hyperglycaemia")
        elif urine_ketones in KETONES_2PLUS and known_diabetes is None:
            missing = ("diabetes",)  # ketones >=2+ would be urgent in a known diabetic
    components["known_diabetes"] = known_diabetes
    if not glucoses and hba1c is None:
        return score_result(
            name="glycaemia",
            value=None,
            unit="",
            band=None,
            complete=False,
            components=components,
            flags=tuple(flags),
            missing=("glucose_fasting", "glucose_random", "hba1c"),
            detail=_NOT_CLASSIFIED,
            reference=REFERENCE,
        )
    if glucoses or hba1c is not None:
        found.add("normal")
    band = next(c for c in SEVERITY if c in found)
    flags.extend([c for c in SEVERITY if c in found and c != "normal"])
    detail = band.replace("_", " ")
    if band in ("diabetes_range", "prediabetes_range"):
        detail = (_KNOWN if known_diabetes else _SUSPECTED) % detail
    return score_result(
        name="glycaemia",
        value=None,
        unit="",
        band=band,
        complete=not missing,
        components=components,
        flags=tuple(flags),
        missing=missing,
        censored=among(censored, ("glucose_fasting", "glucose_random", "hba1c")),
        detail=detail,
        reference=REFERENCE,
    )
