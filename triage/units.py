"""Unit conversion between the accepted units of each vocabulary code and its canonical UCUM unit.

Pure functions, no I/O. Conversions are per analyte because "mg/dL" means a different factor for
glucose, cholesterol, triglycerides and creatinine. Factors (molar masses / definitions):

- glucose: 1 mmol/L = 18.016 mg/dL (molar mass of glucose 180.16 g/mol);
- total, HDL and LDL cholesterol: 1 mmol/L = 38.67 mg/dL (386.65 g/mol);
- triglycerides: 1 mmol/L = 88.57 mg/dL (as triolein, 885.7 g/mol);
- creatinine: 1 mg/dL = 88.4 umol/L;
- urine albumin/creatinine ratio: 1 mg/mmol = 1000 / 113.12 = 8.84 mg/g (creatinine 113.12 g/mol:
  1 g of creatinine is 8.84 mmol; medicalalgorithms.com, "Unit conversion for the urine albumin to
  creatinine ratio (ACR)"). KDIGO's category pairs (3 mg/mmol ~ 30 mg/g, 30 ~ 300) are not exact
  conversions: ``triage.scores.kidney`` compares a reading with the member of its own unit;
- haemoglobin: 1 g/dL = 10 g/L;
- HbA1c: IFCC mmol/mol = (NGSP % - 2.15) x 10.929 (IFCC-NGSP master equation);
- temperature: C = (F - 32) x 5/9;
- pressure: 1 kPa = 760/101.325 mmHg = 7.50062 mmHg, to the whole mmHg (a pressure's unit);
- body weight: 1 [lb_av] (avoirdupois pound) = 0.45359237 kg exactly;
- body height: 1 [in_i] (international inch) = 2.54 cm exactly.

Common non-UCUM spellings that devices send (``mmHg``, ``°C``, ``mg/dl``, ``bpm``...) are
normalised by :func:`normalize_unit` before lookup, their letter case as UCUM reads it (the litre's
``l`` or ``L``, or all in capitals - so no alias may read as milli or mega, pico or peta, in
capitals: :func:`check_aliases`; ``Mg/dL``, a megagram case-sensitively, is refused saying so:
:func:`case_refused`); anything else is a :class:`UnitError` that
names the code, the unit and the units accepted for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from referral.device_results import case_alike, readings, two_readings
from triage.errors import UnitError, json_text
from triage.vocabulary import Kind, concept

GLUCOSE_MGDL_PER_MMOLL = 18.016
CHOLESTEROL_MGDL_PER_MMOLL = 38.67
TRIGLYCERIDE_MGDL_PER_MMOLL = 88.57
CREATININE_UMOLL_PER_MGDL = 88.4
ACR_MGG_PER_MGMMOL = 1000.0 / 113.12  # 8.84: mg albumin per g creatinine in 1 mg per mmol creatinine
MMHG_PER_KPA = 760.0 / 101.325
HBA1C_IFCC_SLOPE = 10.929
HBA1C_IFCC_INTERCEPT = 2.15
KG_PER_POUND = 0.45359237
CM_PER_INCH = 2.54

# Spellings seen from devices and people, mapped to the UCUM code used in the vocabulary.
_ALIASES: dict[str, str] = {
    "mmhg": "mm[Hg]",
    "mm hg": "mm[Hg]",
    "mm[hg]": "mm[Hg]",
    "kpa": "kPa",
    "°c": "Cel",
    "degc": "Cel",
    "c": "Cel",
    "cel": "Cel",
    "°f": "[degF]",
    "degf": "[degF]",
    "f": "[degF]",
    "[degf]": "[degF]",
    "mmol/l": "mmol/L",
    "mg/dl": "mg/dL",
    "umol/l": "umol/L",
    "µmol/l": "umol/L",
    "μmol/l": "umol/L",
    "mmol/mol": "mmol/mol",
    "mg/mmol": "mg/mmol",
    "mg/g": "mg/g",
    "g/l": "g/L",
    "g/dl": "g/dL",
    "bpm": "/min",
    "beats/min": "/min",
    "breaths/min": "/min",
    "/min": "/min",
    "1/min": "/min",
    "{beats}/min": "/min",
    "{breaths}/min": "/min",
    "%": "%",
    "kg/m2": "kg/m2",
    "kg/m^2": "kg/m2",
    "kg/m²": "kg/m2",
    "10^9/l": "10*9/L",
    "10*9/l": "10*9/L",
    "x10^9/l": "10*9/L",
    "kg": "kg",
    "lb": "[lb_av]",
    "lbs": "[lb_av]",
    "[lb_av]": "[lb_av]",
    "cm": "cm",
    "in": "[in_i]",
    "inch": "[in_i]",
    "[in_i]": "[in_i]",
}


def check_aliases(aliases: Mapping[str, str]) -> None:
    """Refuse (``ValueError``, at import) an alias whose capitals read as two units: the lookup
    ignores case, so an alias ``"ml"`` would take ``"ML"`` - milli-litres in UCUM's
    case-insensitive form, mega-litres case-sensitively - as ``mL``, where a device's unit in such
    capitals is held naming both readings (``devices.unit_case``; an ``M`` or ``P`` before ``L``,
    ``U`` or ``[IU]``: ``referral.device_results.two_readings``). No alias can fold milli and mega,
    or pico and peta, together."""
    for alias, ucum in aliases.items():
        if (atom := two_readings(alias.upper())) is not None:
            small, large = readings(atom)
            raise ValueError(
                f"unit alias {json_text(alias)} -> {json_text(ucum)}: its capitals {json_text(alias.upper())}"
                f" read as {small} or {large} ({atom}), and the lookup ignores case: remove it"
            )


check_aliases(_ALIASES)


#: The aliases as people and devices write them with capitals (the lookup's keys are lower case).
_WRITTEN: dict[str, tuple[str, ...]] = {
    "mmhg": ("mmHg",),
    "mm hg": ("mm Hg",),
    "degc": ("degC",),
    "degf": ("degF",),
}

#: UCUM's one-letter prefixes, case-sensitive (https://ucum.org/ucum, table 1), to say what a
#: letter in another case reads as.
_PREFIXES = {"m": "milli", "M": "mega", "p": "pico", "P": "peta", "u": "micro", "n": "nano", "k": "kilo"}
_PREFIXES |= {"d": "deci", "c": "centi", "G": "giga", "T": "tera", "f": "femto", "h": "hecto"}


def _written_as_alias(stripped: str, alias: str, ucum: str) -> bool:
    """Whether ``stripped`` is the alias, its UCUM code or a spelling of it, as written or in the
    letter case UCUM reads alike (the litre's l, all capitals unless they read as mega or peta:
    ``referral.device_results.case_alike``, the gateway's rule too)."""
    if (
        "\u00b5" not in stripped
        and "\u03bc" not in stripped
        and stripped in (alias, ucum, *_WRITTEN.get(alias, ()))
    ):
        return True  # written as one of its spellings (the usual case): case_alike of a text and itself
    # the micro sign has no capital: "µMOL/L" is "UMOL/L"
    written = {stripped.replace("\u00b5", u).replace("\u03bc", u) for u in ("u", "U")}
    return any(case_alike(w, spelt) for w in written for spelt in (alias, ucum, *_WRITTEN.get(alias, ())))


def normalize_unit(unit: str) -> str:
    """The UCUM spelling for ``unit`` (``mmHg`` -> ``mm[Hg]``, ``°C`` -> ``Cel``, ``MG/DL`` -> ``mg/dL``);
    unknown spellings unchanged - so is an alias in another letter case UCUM does not read alike
    (``Mg/dL``, a megagram per decilitre case-sensitively), which :func:`resolve_unit` refuses
    saying so (:func:`case_refused`)."""
    stripped = unit.strip()
    ucum = _ALIASES.get(stripped.lower())
    if ucum is None or not _written_as_alias(stripped, stripped.lower(), ucum):
        return stripped
    return ucum


def case_refused(unit: str) -> str | None:
    """Why ``unit`` is not the alias it spells in another letter case (``unit "Mg/dL" is not
    accepted as "mg/dL": its letter case counts, "M" where "mg/dL" has "m" (M is mega, m milli),
    ...``: the words the pages' forms find the unit in, ``triage.service.pages.forms``); None when
    it is no such unit."""
    stripped = unit.strip()
    ucum = _ALIASES.get(stripped.lower())
    if ucum is None or _written_as_alias(stripped, stripped.lower(), ucum):
        return None
    alias = stripped.lower()
    theirs = min((ucum, *_WRITTEN.get(alias, ()), alias), key=lambda u: _case_changes(stripped, u))
    mine, other = next(
        ((a, b) for a, b in zip(stripped, theirs, strict=False) if a != b and a.lower() == b.lower()),
        ("", ""),
    )
    letter = f", {json_text(mine)} where {json_text(theirs)} has {json_text(other)}" if mine else ""
    if mine in _PREFIXES and other in _PREFIXES:
        letter += f" ({mine} is {_PREFIXES[mine]}, {other} {_PREFIXES[other]})"
    return (
        f"unit {json_text(unit)} is not accepted as {json_text(ucum)}: its letter case counts{letter}, and only"
        " the litre's l and a unit all in capitals read alike"
    )


def _case_changes(unit: str, other: str) -> int:
    if len(unit) != len(other):
        return len(unit) + 1
    return sum(a != b for a, b in zip(unit, other, strict=True))


def glucose_mmol_to_mgdl(mmol_l: float) -> float:
    return mmol_l * GLUCOSE_MGDL_PER_MMOLL


def glucose_mgdl_to_mmol(mg_dl: float) -> float:
    return mg_dl / GLUCOSE_MGDL_PER_MMOLL


def cholesterol_mmol_to_mgdl(mmol_l: float) -> float:
    return mmol_l * CHOLESTEROL_MGDL_PER_MMOLL


def cholesterol_mgdl_to_mmol(mg_dl: float) -> float:
    return mg_dl / CHOLESTEROL_MGDL_PER_MMOLL


def hba1c_percent_to_mmol_mol(percent: float) -> float:
    """NGSP/DCCT % -> IFCC mmol/mol (6.5 % -> 47.5, printed as 48)."""
    return (percent - HBA1C_IFCC_INTERCEPT) * HBA1C_IFCC_SLOPE


def hba1c_mmol_mol_to_percent(mmol_mol: float) -> float:
    """IFCC mmol/mol -> NGSP/DCCT %."""
    return mmol_mol / HBA1C_IFCC_SLOPE + HBA1C_IFCC_INTERCEPT


def fahrenheit_to_celsius(deg_f: float) -> float:
    return (deg_f - 32.0) * 5.0 / 9.0


def celsius_to_fahrenheit(deg_c: float) -> float:
    return deg_c * 9.0 / 5.0 + 32.0


def kpa_to_mmhg(kpa: float) -> float:
    """kPa to the whole mmHg a blood pressure is recorded in (half up). A kPa device's 0.1 kPa is
    0.75 mmHg, and the exact product falls beside the published cut-points: 21.3 kPa (160 mmHg as
    a kPa device shows it) is 159.76 (grade 1, not severe hypertension in pregnancy), 24.0 kPa
    (180) is 180.015 (a crisis, >180). A product too large for a float stays infinite (the reading
    is then refused as implausible), not an ``OverflowError`` from rounding it."""
    mmhg = kpa * MMHG_PER_KPA + 0.5
    return float(math.floor(mmhg)) if math.isfinite(mmhg) else mmhg


def mmhg_to_kpa(mmhg: float) -> float:
    return mmhg / MMHG_PER_KPA


def pounds_to_kg(pounds: float) -> float:
    return pounds * KG_PER_POUND


def kg_to_pounds(kg: float) -> float:
    return kg / KG_PER_POUND


def inches_to_cm(inches: float) -> float:
    return inches * CM_PER_INCH


def cm_to_inches(cm: float) -> float:
    return cm / CM_PER_INCH


def _scale(factor: float) -> tuple[Callable[[float], float], Callable[[float], float]]:
    return (lambda v: v * factor), (lambda v: v / factor)


_GLUCOSE = (glucose_mgdl_to_mmol, glucose_mmol_to_mgdl)
_CHOLESTEROL = (cholesterol_mgdl_to_mmol, cholesterol_mmol_to_mgdl)

# (code, non-canonical unit) -> (to canonical, from canonical)
_CONVERSIONS: dict[tuple[str, str], tuple[Callable[[float], float], Callable[[float], float]]] = {
    ("glucose_fasting", "mg/dL"): _GLUCOSE,
    ("glucose_random", "mg/dL"): _GLUCOSE,
    ("total_cholesterol", "mg/dL"): _CHOLESTEROL,
    ("hdl_cholesterol", "mg/dL"): _CHOLESTEROL,
    ("ldl_cholesterol", "mg/dL"): _CHOLESTEROL,
    ("triglycerides", "mg/dL"): _scale(1.0 / TRIGLYCERIDE_MGDL_PER_MMOLL),
    ("creatinine", "mg/dL"): _scale(CREATININE_UMOLL_PER_MGDL),
    ("albumin_creatinine_ratio", "mg/mmol"): _scale(ACR_MGG_PER_MGMMOL),
    ("hemoglobin", "g/dL"): _scale(10.0),
    ("hba1c", "mmol/mol"): (hba1c_mmol_mol_to_percent, hba1c_percent_to_mmol_mol),
    ("temperature", "[degF]"): (fahrenheit_to_celsius, celsius_to_fahrenheit),
    ("sbp", "kPa"): (kpa_to_mmhg, mmhg_to_kpa),
    ("dbp", "kPa"): (kpa_to_mmhg, mmhg_to_kpa),
    ("weight", "[lb_av]"): (pounds_to_kg, kg_to_pounds),
    ("height", "[in_i]"): (inches_to_cm, cm_to_inches),
}


def _accepted(code: str) -> str:
    c = concept(code)
    return ", ".join((c.unit, *c.accepted_units))


def resolve_unit(code: str, unit: str | None) -> str:
    """The UCUM unit ``unit`` stands for, checked against the units accepted for ``code``.

    ``None`` or an empty unit means the canonical unit. Coded concepts take no unit. A reading
    from outside (the API, ``triage assess``'s input, a device's result) is first checked by
    :func:`require_unit_if_ambiguous`: without a unit it is read in the canonical one only where
    no other unit the code takes makes its value plausible too.
    """
    c = concept(code)
    if c.kind is Kind.CODED:
        if unit:
            raise UnitError(f"{code}: coded observation takes no unit, got {json_text(unit)}")
        return ""
    if unit is None or not unit.strip():
        return c.unit
    ucum = normalize_unit(unit)
    if ucum != c.unit and ucum not in c.accepted_units and (case := case_refused(unit)) is not None:
        raise UnitError(f"{code}: {case}; use one of: {_accepted(code)}")
    if ucum != c.unit and ucum not in c.accepted_units:
        raise UnitError(f"{code}: unit {json_text(unit)} is not accepted; use one of: {_accepted(code)}")
    return ucum


def require_unit_if_ambiguous(code: str, value: object, unit: str | None) -> None:
    """Refuse (:class:`UnitError`) a value sent without a unit that another unit ``code`` takes
    makes plausible too: a glucose of 30 is 30 mmol/L (severe hyperglycaemia) or 30 mg/dL (1.7
    mmol/L, severe hypoglycaemia), a weight of 150 kg or lb, a creatinine of 20 umol/L or mg/dL
    (1768 umol/L) - read in the wrong unit it decides the opposite, so it is not guessed. A value
    only one unit makes plausible (a systolic of 120, any SpO2), a value with its unit, a coded or
    non-numeric one pass. The message names no field: the caller puts where it came from first."""
    if unit is not None and unit.strip():
        return
    c = concept(code)
    if c.kind is not Kind.NUMERIC or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if c.low is None or c.high is None:
        return
    also = []
    for other_unit in c.accepted_units:
        other = to_canonical(code, float(value), other_unit)
        if c.low <= other <= c.high:
            also.append(f"{value:g} {other_unit} ({round(other, c.decimals):g} {c.unit})")
    if also:
        units = " or ".join((c.unit, *c.accepted_units))
        raise UnitError(
            f"{code} {value:g} was sent without a unit, and both {value:g} {c.unit} and"
            f" {', '.join(also)} are plausible; give its unit ({units}): it is not guessed"
        )


def to_canonical(code: str, value: float, unit: str | None) -> float:
    """``value`` expressed in ``unit`` converted to the canonical unit of ``code``."""
    ucum = resolve_unit(code, unit)
    if ucum == concept(code).unit:
        return value
    forward, _ = _CONVERSIONS[(code, ucum)]
    return forward(value)


def from_canonical(code: str, value: float, unit: str) -> float:
    """``value`` in the canonical unit of ``code`` expressed in ``unit`` (for display)."""
    ucum = resolve_unit(code, unit)
    if ucum == concept(code).unit:
        return value
    _, backward = _CONVERSIONS[(code, ucum)]
    return backward(value)


def canonical_unit(code: str) -> str:
    return concept(code).unit
