"""The engine's fixed English phrasings with parameters - notes, why a reading was not used, model
explanations, each score's detail - defined once.

The engine writes its notes and ignored readings' details (``triage.assess``), risk-model
explanations (``triage.riskmodels``, ``triage.riskfeatures``) and each score's detail
(``triage.scores``) from these templates, and the staff
pages match the stored English against the same templates to show it in the user's language (``triage.service.pages.engine_text``, catalogue
keys ``engine.<key>``, for a score's detail ``score_detail.<score>.<key>`` or ``score_detail.<key>``). English stays the language of record: the Assessment JSON is unchanged, and
text that no phrase matches is shown as it is. A phrase's pattern is derived from its template, so
the two cannot drift; change a template here and the English catalogue entry with it (a test
compares them).

Pure: no I/O, no framework.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter

from referral.value_sets import RISK_MODELS_LABEL


def _pattern(template: str) -> re.Pattern[str]:
    """The template as a regular expression: literal text exact, each ``{field}`` a named group
    (a field repeated in the template must repeat the same text)."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class Phrase:
    """One fixed phrasing: ``key`` names it in the interface catalogues (``engine.<key>``)."""

    key: str
    template: str
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _pattern(self.template))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for _, name, _, _ in Formatter().parse(self.template) if name))

    def format(self, **values: object) -> str:
        return self.template.format(**values)

    def match(self, text: str) -> dict[str, str] | None:
        """The fields of ``text`` if it is this phrase, else ``None``."""
        found = self.pattern.fullmatch(text)
        return None if found is None else found.groupdict()

    def printf(self, specs: Mapping[str, str], **bound: object) -> str:
        """The template as a ``%``-format for a hot path: each field in ``specs`` becomes its
        ``%``-conversion (one argument per occurrence, in template order), each field in
        ``bound`` its text (``%`` doubled)."""
        out: list[str] = []
        for literal, name, _, _ in Formatter().parse(self.template):
            out.append(literal.replace("%", "%%"))
            if name is not None:
                out.append(specs[name] if name in specs else str(bound[name]).replace("%", "%%"))
        return "".join(out)


# --- notes (triage.assess) ---------------------------------------------------------------------
MODELS_NOT_USED = Phrase("models_not_used", "risk models not used: {error}")
MODELS_FAILED = Phrase("models_failed", "risk models failed ({error}); decision from scores and rules only")
MODEL_DISABLED = Phrase("model_disabled", "model {model} is disabled by the policy")
MODELS_NOT_RUN = Phrase("models_not_run", "risk models not run: no usable observations")
NO_USABLE = Phrase("no_usable", "no usable observations (all missing, QC, non-final, stale or superseded)")
NO_DECISIVE = Phrase("no_decisive", "no decisive reading; measure at least one of: {codes}")
# outside NOTES (which tests/service/test_engine_text.py counts); the staff pages try these three as
# notes too (pages/engine_text.py, engine.vitals_not_scored / oxygen_unknown / symptoms_none_before)
VITALS_NOT_SCORED = Phrase(
    "vitals_not_scored",
    "{readings} not scored by NEWS2 ({reason}): no local-care decision from them; a clinician must"
    " assess them now",
)
OXYGEN_UNKNOWN = Phrase(
    "oxygen_unknown",
    "spo2 {spo2} on SpO2 scale 2 is not classified without air or oxygen recorded: no local-care"
    " decision from it; record supplemental_o2 and assess again",
)
SYMPTOMS_NONE_BEFORE = Phrase(
    "symptoms_none_before",
    "acute symptoms: none was recorded at {asked}, before the blood pressure measured at {measured}:"
    " ask again and record the answer",
)
NOTES = (MODELS_NOT_USED, MODELS_FAILED, MODEL_DISABLED, MODELS_NOT_RUN, NO_USABLE, NO_DECISIVE)

# --- why a reading was not used: an ignored observation's detail (triage.selection.select_observations)
IGNORED_QC = Phrase("ignored_qc", "quality-control result")
IGNORED_CANNOT_BE_DONE = Phrase("ignored_cannot_be_done", "the device reported the test could not be done")
IGNORED_PRELIMINARY = Phrase(
    "ignored_preliminary", "preliminary result; only final or corrected results are used"
)
IGNORED_IN_FUTURE = Phrase("ignored_in_future", "observed after the assessment time {assessed_at}")
IGNORED_STALE = Phrase("ignored_stale", "older than {hours} h")
IGNORED_SUPERSEDED = Phrase("ignored_superseded", "a later {code} result from {observed_at} is used")
IGNORED_SUPERSEDED_UNUSED = Phrase(
    "ignored_superseded_unused",
    "a later {code} result from {observed_at} replaces it, but that one is not used either"
    " (dbp not below sbp); measure again",
)
IGNORED_BP_NOT_BELOW = Phrase(
    "ignored_bp_not_below",
    "dbp {dbp} mmHg is not below sbp {sbp} mmHg of the same measurement - were they swapped?"
    " Neither is used; measure again",
)
IGNORED = (
    IGNORED_QC,
    IGNORED_CANNOT_BE_DONE,
    IGNORED_PRELIMINARY,
    IGNORED_IN_FUTURE,
    IGNORED_STALE,
    IGNORED_SUPERSEDED,
    IGNORED_SUPERSEDED_UNUSED,
    IGNORED_BP_NOT_BELOW,
)

# --- a model reason's detail (triage.assess) ---------------------------------------------------
MODEL_REASON = Phrase("model_reason", "risk {probability} >= threshold {threshold}. {explanation}")
# ... when the policy keeps the model at local care: reported, routing nobody on its own, and what
# decides instead - by model (docs/assessment.md, "Policy"), any other model the general one
_LOCAL = "risk {probability} >= threshold {threshold}; shown, not routed: the policy keeps this model at local care, and "
MODEL_REASON_LOCAL_BY_MODEL = {
    "ckd": Phrase(
        "model_reason_local_ckd",
        _LOCAL + "the published kidney stage (KDIGO: eGFR and ACR) decides a kidney referral. {explanation}",
    ),
    "diabetes": Phrase(
        "model_reason_local_diabetes",
        _LOCAL
        + "the published glucose and HbA1c rules decide (order a fasting glucose and HbA1c). {explanation}",
    ),
}
MODEL_REASON_LOCAL = Phrase(
    "model_reason_local", _LOCAL + "the published scores and rules decide the referral. {explanation}"
)
# a model reason's detail is one of these; MODEL_REASON last: its pattern matches the others too
MODEL_REASONS = (*MODEL_REASON_LOCAL_BY_MODEL.values(), MODEL_REASON_LOCAL, MODEL_REASON)

# --- model explanations (triage.riskmodels, triage.riskfeatures) -------------------------------
# not scored: the whole explanation, with one of the reasons below
NOT_SCORED = Phrase("not_scored", "{model} not scored: {reason}.")
INPUTS_MISSING = Phrase("inputs_missing", "required inputs missing: {inputs}")
# ... with a note saying why one is missing (a measured size whose BMI is implausible: BMI_SIZE_NOT_USED)
INPUTS_MISSING_NOTED = Phrase("inputs_missing_noted", "required inputs missing: {inputs} ({note})")
SEX_UNKNOWN = Phrase("sex_unknown", "sex unknown; the model was trained on {sex} patients only")
SEX_MISMATCH = Phrase("sex_mismatch", "trained on {sex} patients only; this patient is {patient_sex}")
EXCLUDED = Phrase("excluded", "outside the model population: patient.{flag} is true")
AGE_OUTSIDE = Phrase(
    "age_outside", "outside the model population: age {age} years (the model is for ages {low}-{high})"
)
# INPUTS_MISSING_NOTED before INPUTS_MISSING: the latter's pattern matches it too
NOT_SCORED_REASONS = (INPUTS_MISSING_NOTED, INPUTS_MISSING, SEX_UNKNOWN, SEX_MISMATCH, EXCLUDED, AGE_OUTSIDE)
# the engine's former wording, no longer written but held in stored assessments (never rewritten):
# the staff pages still render it in their language (AGE_OUTSIDE before ce17e00c)
AGE_OUTSIDE_TRAINED = Phrase(
    "age_outside_trained", "outside the model population: age {age} years (trained on ages {low}-{high})"
)
STORED_NOT_SCORED_REASONS = (AGE_OUTSIDE_TRAINED,)
# scored: clauses joined by "; " (a clause's parentheses may hold "; " too), ending in "."
SCORED = Phrase("scored", "{model} {version}: {probability} ({band}; medium from {medium}, high from {high})")
DRIVERS = Phrase("drivers", "main drivers (log-odds vs training median): {drivers}")
IMPUTED = Phrase("imputed", "missing, imputed with the training median: {imputed}")
# after IMPUTED: the risk is less certain, by the card's held-out subgroups inputs=imputed and
# inputs=complete (FEW_OUTCOMES after it when the imputed rows have too few outcomes), or without
# figures when the card has no held-out row with an input imputed
IMPUTED_LESS_CERTAIN = Phrase(
    "imputed_less_certain",
    "so this risk is less certain: held-out AUROC {auroc} on the card's {n} rows with an input imputed"
    " ({events} events), against {auroc_complete} on its {n_complete} rows with every input measured",
)
FEW_OUTCOMES = Phrase("few_outcomes", "too few outcomes on those rows for a firm estimate")
IMPUTED_NO_SUBGROUP = Phrase(
    "imputed_no_subgroup",
    "so this risk is less certain than with every input measured (the card has no held-out row with"
    " an input imputed to say by how much)",
)
OUT_OF_RANGE = Phrase("out_of_range", "outside the training range: {ranges}")
# one input outside its training range (joined by ", "): with the card's unit as a clinician reads
# it (MODEL_UNITS), or without one for a flag, a dipstick grade, specific gravity
RANGE_ITEM_UNIT = Phrase("range_item_unit", "{feature}={value} {unit} (trained on {low}-{high} {unit})")
RANGE_ITEM = Phrase("range_item", "{feature}={value} (trained on {low}-{high})")
RANGE_ITEMS = (RANGE_ITEM_UNIT, RANGE_ITEM)  # in this order: RANGE_ITEM's pattern matches both
MODEL_UNITS = {
    "a": "years",
    "mm[Hg]": "mmHg",
    "mmol/L": "mmol/L",
    "umol/L": "µmol/L",
    "g/L": "g/L",
    "kg/m2": "kg/m2",
    "/min": "/min",
    "cm": "cm",
    "kg": "kg",
    "%": "%",
}
"""A model card's UCUM unit as the explanation writes it; a unit not here (``{bool}``, ``1``,
``{SG}``: no unit a clinician reads) is left out. The qSOFA and CRB-65 reasons write their items'
readings with it too (``sbp 100 mmHg``: ``triage.rules.point_scores``)."""
STAND_IN = Phrase("stand_in", "{feature} taken from {alternative} ({value}; no {feature} recorded)")
# the BMI a model took when a size was measured today (triage.riskfeatures.bmi_note): the measured
# bmi, else weight / height^2 with the weight, the height or both measured (key: which); the codes
# are fields (bmi, weight, height), so that a page names them
BMI_MEASURED = Phrase("bmi_measured", "{bmi} {value} from the measured {bmi}")
SIZE_MEASURED = ("weight", "height", "weight_height")  # which of the two was measured today


def _bmi_phrases(
    kind: str, head: str, tail: str, which: tuple[str, ...] = SIZE_MEASURED
) -> dict[str, Phrase]:
    """One phrase per :data:`SIZE_MEASURED`: ``head``, then which size was measured and which stated
    ("(weight measured, height as stated)"), then ``tail``."""
    return {
        measured: Phrase(
            f"bmi_{measured}_{kind}",
            head
            + "("
            + ", ".join(
                f"{{{n}}} {'measured' if n in measured else 'as stated'}" for n in ("weight", "height")
            )
            + ")"
            + tail,
        )
        for measured in which
    }


BMI_FROM_SIZE = _bmi_phrases("measured", "{bmi} {value} from {weight} / {height}^2 ", "")
# ... after BMI_MEASURED or BMI_FROM_SIZE when the patient's typed BMI is clearly different (more
# than triage.riskfeatures.BMI_STATED_APART kg/m2): the measured one is taken, and the typed one named
BMI_STATED_DIFFERS = Phrase(
    "bmi_stated_differs", "the stated {bmi} {stated} is not used (it differs by {apart} kg/m2)"
)
# ... and when weight / height^2 is implausible (outside the BMI range, e.g. 300 from 100 cm and
# 300 kg): the pair is not used (the stated BMI, else none, is), and the note says why; "stated":
# both as stated (refused at intake, but a visit may hold a pair stored before)
BMI_SIZE_NOT_USED = _bmi_phrases(
    "not_used",
    "{weight} {weight_kg} kg / {height} {height_cm} cm^2 ",
    " gives {bmi} {value}, outside the plausible {low}-{high} kg/m2: not used",
    (*SIZE_MEASURED, "stated"),
)
# the label every shipped model card carries (card data, not the engine's: a test checks the cards),
# written once in the bottom layer (tests/models/test_teaching_label_one_source.py)
TEACHING_DATA = Phrase("teaching_data", RISK_MODELS_LABEL)
CLAUSES = (
    SCORED,
    DRIVERS,
    IMPUTED,
    IMPUTED_LESS_CERTAIN,
    FEW_OUTCOMES,
    IMPUTED_NO_SUBGROUP,
    OUT_OF_RANGE,
    STAND_IN,
    BMI_MEASURED,
    *BMI_FROM_SIZE.values(),
    BMI_STATED_DIFFERS,
    *BMI_SIZE_NOT_USED.values(),
    TEACHING_DATA,
)


# --- a score's detail (triage.scores; ScoreResult.detail) ----------------------------------------
# the staff pages fill ``score_detail.<score>.<key>`` (else ``score_detail.<key>``) from the match
OUTSIDE_AGES = Phrase("outside_ages", "age {age} is outside the derivation ages {low}-{high}")
OUTSIDE_RANGE = Phrase(
    "outside_range", "{input} {value} {unit} is outside the equations' range {low}-{high} {unit}"
)
NOT_COMPUTED = Phrase("not_computed", "not computed: missing {inputs}")
# NEWS2 outside its population (outside SCORE_DETAILS, whose every phrase a random score must
# write; the staff pages try these two as NEWS2's detail too)
NEWS2_CHILD = Phrase(
    "news2_child",
    "not applicable: age {age} years; NEWS2 is not used under 16 (RCP 2017); assess with a paediatric"
    " early warning score (PEWS)",
)
NEWS2_PREGNANCY = Phrase(
    "news2_pregnancy",
    "not applicable: NEWS2 is not used in pregnancy (RCP 2017); assess with a maternity early warning"
    " score (MEWS/MEOWS) and obstetric advice",
)
# China-PAR and the PCE for a patient with established ASCVD (triage.patient.KNOWN_ASCVD_MEANS):
# outside SCORE_DETAILS as NEWS2's two above (a random score is never given known_ascvd)
SECONDARY_PREVENTION = Phrase(
    "secondary_prevention",
    "not applicable: established ASCVD - secondary prevention; the 10-year risk equations are for"
    " people without ASCVD (primary prevention): with it the risk is already very high, and no"
    " estimate is made",
)
# China-PAR, the PCE, FINDRISC and CDRS in pregnancy (outside SCORE_DETAILS, as the one above)
PREGNANCY_NOT_APPLICABLE = Phrase(
    "pregnancy_not_applicable",
    "not applicable in pregnancy: derived in people who were not pregnant, and pregnancy changes what"
    " it reads (weight and waist, blood pressure, cholesterol); assess it after the pregnancy",
)
# the limitation a score's detail ends with (after "; ") where it is computed for a patient it was not
# validated in (outside SCORE_DETAILS, as the ones above: a random score is never given one); the
# staff pages give it after the detail in the user's language (score_detail.<key>), --table beside
# the band (:func:`not_validated`)
KIDNEY_PREGNANCY = Phrase(
    "kidney_pregnancy",
    "in pregnancy no creatinine equation is validated, CKD-EPI 2021 included - the GFR rises by about"
    " half in pregnancy and creatinine falls, so an eGFR in the normal range does not exclude kidney"
    " disease: read her creatinine against pregnancy ranges",
)
# NEWS2 after birth: computed (refusing it would drop the red flags of a septic or bleeding mother)
NEWS2_AFTER_BIRTH = Phrase(
    "news2_after_birth",
    "after birth (within 6 weeks) NEWS2 is not validated either: RCP 2017 leaves pregnancy out, and"
    " maternity early warning scores (MEWS/MEOWS) are used for pregnant and postnatal women - the score"
    " is kept, as it still shows deterioration, but a low score is no reassurance: assess her with a"
    " maternity early warning score and obstetric advice",
)
NOT_VALIDATED: dict[str, tuple[Phrase, ...]] = {
    "kidney": (KIDNEY_PREGNANCY,),
    "news2": (NEWS2_AFTER_BIRTH,),
}


def not_validated(name: str, detail: str) -> Phrase | None:
    """The limitation score ``name``'s ``detail`` ends with (``"; "`` and one of
    :data:`NOT_VALIDATED`'s phrases), else ``None``."""
    for phrase in NOT_VALIDATED.get(name, ()):
        if detail.endswith("; " + phrase.template):
            return phrase
    return None


NO_INPUTS = Phrase("no_inputs", "not computed: no inputs")
NOT_CLASSIFIED = Phrase("not_classified", "not classified: no {inputs}")
# a point score with missing items ends with this clause (the pages leave it out: the band is marked
# incomplete and the missing readings are listed under the scores)
INCOMPLETE = Phrase("incomplete", "; incomplete, missing {missing}")
# ... with why one is missing (a size pair whose BMI is implausible, not used: BMI_SIZE_NOT_USED);
# the pages show the note after the score's detail
INCOMPLETE_NOTED = Phrase("incomplete_noted", "; incomplete, missing {missing} ({note})")
NEWS2 = Phrase("news2", "NEWS2 {total} (scale {scale}): {response}; monitoring {monitoring}")
QSOFA_HIGH = Phrase("qsofa_high", "qSOFA {total}: high risk of poor outcome if infection is suspected")
QSOFA_LOW = Phrase("qsofa_low", "qSOFA {total}: below the >=2 threshold")
# a point score below its threshold with items missing that could still reach it (band "incomplete")
_SCORED, _COULD_ADD = (
    " with {scored} of {items} items: cannot rule out ",
    "; the missing items could add up to {most}",
)
QSOFA_UNDETERMINED = Phrase("qsofa_undetermined", "qSOFA {total}" + _SCORED + ">=2" + _COULD_ADD)
CRB65_UNDETERMINED = Phrase(
    "crb65_undetermined", "CRB-65 {total}" + _SCORED + "intermediate or high risk (>=1)" + _COULD_ADD
)
CDRS_UNDETERMINED = Phrase(
    "cdrs_undetermined", "CDRS {total}" + _SCORED + "the OGTT screening threshold of 25" + _COULD_ADD
)
FINDRISC_UNDETERMINED = Phrase(
    "findrisc_undetermined", "FINDRISC {total}" + _SCORED + "more than low risk (>=7)" + _COULD_ADD
)
NEWS2_UNDETERMINED = Phrase(
    "news2_undetermined",
    "NEWS2 {total} (scale {scale})" + _SCORED + "a score of 1 or more" + _COULD_ADD + "; measure them now",
)
CRB65 = Phrase("crb65", "CRB-65 {total}: {band} risk")
CDRS_HIGH = Phrase("cdrs_high", "CDRS {total}: at or above 25, screen with an OGTT")
CDRS_LOW = Phrase("cdrs_low", "CDRS {total}: below the OGTT screening threshold of 25")
FINDRISC = Phrase("findrisc", "FINDRISC {total}: {band} (about {odds} in 10 years)")
CHINA_PAR = Phrase("china_par", "China-PAR 10-year ASCVD risk {risk} % ({band})")
PCE = Phrase(
    "pce",
    "Pooled Cohort Equations 10-year ASCVD risk {risk} % ({band}); "
    "derived in US cohorts, may overestimate in Chinese adults",
)
OXIMETRY = Phrase("oximetry", "SpO2 {spo2} % on scale {scale}: {band}")
# under 16 (NEWS2's SpO2 scales and the BTS adult target range are not used: RCP NEWS2 2017) a child's
# SpO2 is said on the bands the SpO2 rules read it on (NICE NG9 2021: below 92 %, 92-93 %; NICE NG143:
# 95 % or less in air is amber), the score's cut-points unchanged (``triage.scores.oximetry``,
# ``triage.rules.vital_signs``)
SPO2_CHILD = "in a child (under 16: NEWS2's SpO2 scales are for adults)"
_CHILD_SAID = "SpO2 {spo2} % " + SPO2_CHILD + ": "
OXIMETRY_CHILD_BELOW_92 = Phrase("oximetry_child_below_92", _CHILD_SAID + "below 92 %")
OXIMETRY_CHILD_92_93 = Phrase("oximetry_child_92_93", _CHILD_SAID + "92-93 %")
OXIMETRY_CHILD_94_95 = Phrase("oximetry_child_94_95", _CHILD_SAID + "94-95 %")
OXIMETRY_CHILD_96_UP = Phrase("oximetry_child_96_up", _CHILD_SAID + "96 % or more")
OXIMETRY_CHILD = {
    "critical": OXIMETRY_CHILD_BELOW_92,
    "low": OXIMETRY_CHILD_92_93,
    "borderline": OXIMETRY_CHILD_94_95,
    "normal": OXIMETRY_CHILD_96_UP,
}
BLOOD_PRESSURE = Phrase("blood_pressure", "{bp} mmHg: {grade} range (single reading)")
BLOOD_PRESSURE_PARTIAL = Phrase(
    "blood_pressure_partial",
    "{bp} mmHg: {grade} range (single reading; at least this grade, one pressure missing)",
)
# 13-17 (AAP 2017 adolescent stages, not grades): one pressure missing, the stage a lower bound
BLOOD_PRESSURE_PARTIAL_ADOLESCENT = Phrase(
    "blood_pressure_partial_adolescent",
    "{bp} mmHg: {grade} range (single reading; at least this stage, one pressure missing)",
)
# one pressure missing and the other below grade 1: the missing one could reach any grade (band
# "incomplete", not "normal")
BLOOD_PRESSURE_UNDETERMINED = Phrase(
    "blood_pressure_undetermined",
    "{bp} mmHg: below the grade 1 range so far (single reading; one pressure missing, which could"
    " reach any grade); measure both",
)
# 13-17 (AAP 2017 adolescent thresholds): one pressure missing and the other below stage 1
BLOOD_PRESSURE_UNDETERMINED_ADOLESCENT = Phrase(
    "blood_pressure_undetermined_adolescent",
    "{bp} mmHg: below the AAP 2017 adolescent stage 1 range so far (single reading; one pressure"
    " missing, which could reach any stage); measure both",
)
_CRISIS = "; hypertensive crisis range (>180 and/or >120)"
# under 13: no static cut-offs (percentile tables for sex, age and height)
BLOOD_PRESSURE_CHILD = Phrase(
    "blood_pressure_child",
    "{bp} mmHg: not graded at age {age} years (single reading) - under 13 a child's blood pressure"
    " is read on the percentile tables for sex, age and height (AAP 2017; 中国高血压防治指南 2018:"
    " >=P95 is high); a clinician assesses it",
)
BLOOD_PRESSURE_CHILD_CRISIS = Phrase("blood_pressure_child_crisis", BLOOD_PRESSURE_CHILD.template + _CRISIS)
# under 13 with one pressure missing: no grade to bound, but the reading is half of one
BLOOD_PRESSURE_CHILD_PARTIAL = Phrase(
    "blood_pressure_child_partial",
    BLOOD_PRESSURE_CHILD.template.replace("(single reading)", "(single reading; one pressure missing)"),
)
BLOOD_PRESSURE_CHILD_PARTIAL_CRISIS = Phrase(
    "blood_pressure_child_partial_crisis", BLOOD_PRESSURE_CHILD_PARTIAL.template + _CRISIS
)
BLOOD_PRESSURE_CRISIS = Phrase("blood_pressure_crisis", BLOOD_PRESSURE.template + _CRISIS)
BLOOD_PRESSURE_PARTIAL_CRISIS = Phrase(
    "blood_pressure_partial_crisis", BLOOD_PRESSURE_PARTIAL.template + _CRISIS
)
BLOOD_PRESSURE_PARTIAL_ADOLESCENT_CRISIS = Phrase(
    "blood_pressure_partial_adolescent_crisis", BLOOD_PRESSURE_PARTIAL_ADOLESCENT.template + _CRISIS
)
GLYCAEMIA_SUSPECTED = Phrase(
    "glycaemia_suspected", "{band} (suspected from one reading; confirm with a repeat test)"
)
GLYCAEMIA_KNOWN = Phrase("glycaemia_known", "{band} in known diabetes")
GLYCAEMIA = Phrase("glycaemia", "{band}")  # the band's words alone (normal, hhs range, ...)
_EGFR, _ACR = "eGFR {egfr} mL/min/1.73m2 ({gfr_category})", "ACR {acr} mg/g ({albuminuria})"
KIDNEY_EGFR = Phrase("kidney_egfr", _EGFR)
KIDNEY_ACR = Phrase("kidney_acr", _ACR)
KIDNEY = Phrase("kidney", f"{_EGFR}; {_ACR}")
# G1-G2 without an ACR: KDIGO defines CKD there only with a marker of kidney damage
KIDNEY_EGFR_UNSTAGED = Phrase(
    "kidney_egfr_unstaged",
    _EGFR + ": CKD cannot be established or staged - at G1-G2 KDIGO needs a marker of kidney damage"
    " such as albuminuria; measure the ACR",
)
# more than one eGFR (a laboratory's and one from creatinine; or, sex not recorded, CKD-EPI for
# either sex) that differ: all are shown and the lowest is staged and routed
_ESTIMATES = "; eGFR estimates differ ({estimates}): the lowest is used"
KIDNEY_EGFR_ESTIMATES = Phrase("kidney_egfr_estimates", _EGFR + _ESTIMATES)
KIDNEY_ESTIMATES = Phrase("kidney_estimates", KIDNEY.template + _ESTIMATES)
KIDNEY_EGFR_UNSTAGED_ESTIMATES = Phrase(
    "kidney_egfr_unstaged_estimates", KIDNEY_EGFR_UNSTAGED.template + _ESTIMATES
)
# each eGFR ``{estimates}`` names, joined by ", " (by its key in ``egfr_source``)
KIDNEY_ESTIMATE: dict[str, Phrase] = {
    "reported": Phrase("kidney_estimate_reported", "laboratory {egfr}"),
    "ckd_epi_2021": Phrase("kidney_estimate_ckd_epi_2021", "CKD-EPI 2021 from creatinine {egfr}"),
    "ckd_epi_2021_female": Phrase("kidney_estimate_ckd_epi_2021_female", "CKD-EPI 2021 if female {egfr}"),
    "ckd_epi_2021_male": Phrase("kidney_estimate_ckd_epi_2021_male", "CKD-EPI 2021 if male {egfr}"),
}
SCORE_DETAILS: dict[str, tuple[Phrase, ...]] = {
    "news2": (NEWS2, NEWS2_UNDETERMINED, NO_INPUTS),
    "qsofa": (QSOFA_HIGH, QSOFA_LOW, QSOFA_UNDETERMINED, NO_INPUTS),
    "crb65": (CRB65, CRB65_UNDETERMINED, NO_INPUTS, OUTSIDE_AGES),
    "cdrs": (CDRS_HIGH, CDRS_LOW, CDRS_UNDETERMINED, OUTSIDE_AGES),
    "findrisc": (FINDRISC, FINDRISC_UNDETERMINED, OUTSIDE_AGES),
    "china_par": (CHINA_PAR, OUTSIDE_AGES, NOT_COMPUTED),
    "pce": (PCE, OUTSIDE_RANGE, NOT_COMPUTED),
    "oximetry": (
        OXIMETRY,
        OXIMETRY_CHILD_BELOW_92,
        OXIMETRY_CHILD_92_93,
        OXIMETRY_CHILD_94_95,
        OXIMETRY_CHILD_96_UP,
        NOT_CLASSIFIED,
    ),
    "blood_pressure": (
        BLOOD_PRESSURE,
        BLOOD_PRESSURE_PARTIAL,
        BLOOD_PRESSURE_CRISIS,
        BLOOD_PRESSURE_PARTIAL_CRISIS,
        BLOOD_PRESSURE_PARTIAL_ADOLESCENT,
        BLOOD_PRESSURE_PARTIAL_ADOLESCENT_CRISIS,
        BLOOD_PRESSURE_UNDETERMINED,
        BLOOD_PRESSURE_UNDETERMINED_ADOLESCENT,
        BLOOD_PRESSURE_CHILD_PARTIAL_CRISIS,
        BLOOD_PRESSURE_CHILD_PARTIAL,
        BLOOD_PRESSURE_CHILD_CRISIS,
        BLOOD_PRESSURE_CHILD,
        NOT_CLASSIFIED,
    ),
    "glycaemia": (GLYCAEMIA_SUSPECTED, GLYCAEMIA_KNOWN, NOT_CLASSIFIED, GLYCAEMIA),
    "kidney": (
        KIDNEY_EGFR_UNSTAGED_ESTIMATES,
        KIDNEY_ESTIMATES,
        KIDNEY_EGFR_ESTIMATES,
        KIDNEY_EGFR_UNSTAGED,
        KIDNEY,
        KIDNEY_EGFR,
        KIDNEY_ACR,
        NOT_CLASSIFIED,
    ),
}
"""Each score's detail phrasings, the ones to try first first (a score's detail may end with
``INCOMPLETE``)."""


def clauses(explanation: str) -> list[str]:
    """A scored explanation's clauses (its final "." removed first): split at every "; " outside
    parentheses (a clause's parentheses may hold "; ")."""
    found, depth, start = [], 0, 0
    for i, char in enumerate(explanation):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0 and explanation.startswith("; ", i):
            found.append(explanation[start:i])
            start = i + 2
    found.append(explanation[start:])
    return found


PHRASES = (
    *NOTES,
    SYMPTOMS_NONE_BEFORE,
    *IGNORED,
    *MODEL_REASONS,
    NOT_SCORED,
    *NOT_SCORED_REASONS,
    *STORED_NOT_SCORED_REASONS,
    *CLAUSES,
    RANGE_ITEM_UNIT,
    RANGE_ITEM,
    *KIDNEY_ESTIMATE.values(),
)
