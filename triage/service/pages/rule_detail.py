"""The fields a reason's detail template (``rule_detail.<rule>``) is filled with: each of the
reason's values, formatted or converted (``{key:text}``, ``{key:reading}``), and the fields derived
from the assessment (``DERIVED``); see :mod:`triage.service.pages.engine_text`. Also why an input
is missing when a score's detail says (:func:`missing_note`, :func:`missing_names`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from triage import phrases
from triage.patient import PRE_ECLAMPSIA_FROM_WEEKS, PRE_ECLAMPSIA_SYMPTOMS
from triage.rules import ITEM_READINGS, scored_by
from triage.scores.news2 import PARAMETERS as NEWS2_PARAMETERS
from triage.vocabulary import CONCEPTS

if TYPE_CHECKING:
    from triage.service.pages.engine_text import EngineText

_SCORE_NAMES = {"cdrs": "CDRS", "findrisc": "FINDRISC"}
# a kidney reason's values -> the readings they are (a censored one is shown with its comparator)
_KIDNEY_READINGS = {"egfr": "egfr", "acr": "albumin_creatinine_ratio", "creatinine": "creatinine"}


def number(value: float) -> str:
    """A number as the pages show a rule's value: at most one decimal, none when whole."""
    text = "%.1f" % value  # noqa: UP031
    return text[:-2] if text.endswith(".0") else text


_INCOMPLETE = phrases.INCOMPLETE.template.split("{", 1)[0]  # "; incomplete, missing "


def missing_note(owner: EngineText, detail: str) -> str:
    """Why an item is missing when a score's ``detail`` ends saying so (a size pair not used:
    ``triage.phrases.INCOMPLETE_NOTED``), in the page's language; else empty."""
    start = detail.find(_INCOMPLETE)
    found = phrases.INCOMPLETE_NOTED.match(detail[start:]) if start >= 0 else None
    return "" if found is None else owner.phrase(found["note"], phrases.CLAUSES)


def missing_names(owner: EngineText, codes: list[str]) -> str:
    """The assessment's missing inputs by name, the BMI with why it is missing as an aside
    (``text.aside``) when a score's detail says: the engine notes the BMI only (a height and weight
    whose BMI is implausible, not used: ``triage.riskfeatures.bmi_missing_noted``)."""
    details = [str(s.get("detail") or "") for s in owner.scores.values() if isinstance(s, Mapping)]
    note = next(filter(None, (missing_note(owner, detail) for detail in details)), "")
    aside = owner.entry("text.aside")
    return owner.joined(
        [
            aside.format(text=owner.label(c), aside=note) if note and c == "bmi" else owner.label(c)
            for c in map(str, codes)
        ]
    )


DERIVED = frozenset(
    {
        "at_least",
        "incomplete",
        "measure_now",
        "scoring",
        "bp",
        "grade",
        "single",
        "points",
        "readings",
        "red_parameters",
        "kidney",
        "hypertension_action",
        "scores",
        "response",
        "symptoms",
        "meanings",
        "maternal_embolism",
        "dose",
        "spo2_whose",
        "spo2_action",
        "ketones",
        "pregnancy_glucose",
        "dipstick_repeat",
        "no_acr",
        "pregnancy_dipstick",
        "dipstick_read",
        "albuminuria_read",
        "proteinuria_pressure",
        "proteinuria_when",
        "proteinuria_read",
        "pregnancy_bp_why",
        "postpartum_bp_why",
    }
)


# the ACR beside a dipstick that does not quantify it (``triage.rules.kidney``): its detail.no_<key>
_ACR_BEFORE = ("acr_before_20_weeks", "acr_maybe_before_20_weeks", "acr_before_dipstick")


class DetailFields:
    """The fields a ``rule_detail.<rule>`` template may use, computed when it asks for them."""

    def __init__(self, owner: EngineText, values: Mapping[str, Any]):
        self.owner, self.given = owner, values

    def __getitem__(self, name: str) -> Any:
        if name in DERIVED and name not in self.given:
            return getattr(self, f"_{name}")()
        value = self.given[name]
        if value is None:
            raise KeyError(name)
        return _DetailValue(self.owner, name, value)

    def _complete(self) -> bool:
        return self.given.get("complete") is not False

    def _at_least(self) -> str:
        return "" if self._complete() else self.owner.entry("detail.at_least")

    def _measure_now(self) -> str:
        """Empty for a complete score; else that the missing observations are measured now (an
        incomplete NEWS2 below 7, as the engine's English says)."""
        return "" if self._complete() else self.owner.entry("detail.measure_now")

    def _scoring(self) -> str:
        """The items of the reason's point score (qSOFA, CRB-65) that scored, each the reading the
        assessment used with its unit (``detail.scoring``), as the engine's English names them."""
        shown: list[str] = []
        for name, items in ITEM_READINGS.items():
            components = self._score(name).get("components") or {} if name in self.given else {}
            for item, codes in items.items():
                if not components.get(item):
                    continue
                shown.extend(
                    self.owner.entry("detail.age_65")
                    if code == "age"
                    else f"{self.owner.label(code)} {self.owner.reading(code)}"
                    for code in codes
                    if code == "age"
                    or (code in self.owner.observations and scored_by(name, code, self._compared(code)))
                )
        return self.owner.entry("detail.scoring").format(readings=self._listed(shown))

    def _compared(self, code: str) -> float | None:
        """The reading of ``code`` the assessment used as the engine compared it: a censored one
        just past its bound (``<90`` is below 90, ``<=60`` is 60)."""
        o = self.owner.observations.get(code) or {}
        value, comparator = o.get("value"), o.get("comparator")
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        if comparator in ("<", ">"):
            return math.nextafter(float(value), -math.inf if comparator == "<" else math.inf)
        return float(value)

    def _incomplete(self) -> str:
        """Empty for a complete score; else that it is a lower bound and which readings it lacks
        (the score's ``missing``, as the engine's English says), or ``KeyError`` (the English)."""
        if self._complete():
            return ""
        missing = [
            code
            for name, score in self.owner.scores.items()
            if name in self.given and isinstance(score, Mapping)
            for code in score.get("missing") or ()
        ]
        listed = self._listed([self.owner.label(str(code)) for code in dict.fromkeys(missing)])
        return self.owner.entry("detail.incomplete").format(missing=listed)

    def _pressure(self, code: str) -> str:
        value = self.given.get(code)
        return "?" if value is None else self._as_read(code, value)

    def _as_read(self, code: str, value: float) -> str:
        """``value`` as read: a censored reading's with its comparator (``>250``, ``<15``); a value
        computed from other readings (an eGFR from creatinine) is not the reading's and has none."""
        o = self.owner.observations.get(code) or {}
        bound, comparator = o.get("value"), o.get("comparator")
        censored = comparator and isinstance(bound, int | float) and math.isclose(bound, value)
        return f"{comparator if censored else ''}{number(value)}"

    def _bp(self) -> str:
        return f"{self._pressure('sbp')}/{self._pressure('dbp')}"

    def _score(self, name: str) -> Mapping[str, Any]:
        """The assessment's result of score ``name``; ``KeyError`` without one (the English)."""
        score = self.owner.scores[name]
        if not isinstance(score, Mapping):
            raise KeyError(name)
        return score

    def _grade(self) -> _DetailValue:
        """The assessment's blood-pressure grade (its band), for ``{grade:text}``."""
        band = self._score("blood_pressure").get("band")
        if band is None:
            raise KeyError("blood_pressure band")
        return _DetailValue(self.owner, "grade", band)

    def _single(self) -> str:
        """A single reading's caveat; with a pressure missing also that the grade (13-17: the AAP
        2017 stage; under 13 none) is a lower bound."""
        score = self._score("blood_pressure")
        if not score.get("missing"):
            return self.owner.entry("detail.single_reading")
        band = str(score.get("band") or "")
        kind = "_stage" if band.startswith("stage_") else "_child" if band == "not_applicable" else ""
        return self.owner.entry(f"detail.single_reading_partial{kind}")

    def _points(self) -> str:
        """Each NEWS2 parameter that scored: the reading the assessment used, with its unit, and its points."""
        points = self.owner.entry("detail.points")
        return self._listed(
            [
                points.format(label=self.owner.label(k), reading=self.owner.reading(k), points=v)
                for k, v in self.given.items()
                if k in NEWS2_PARAMETERS and isinstance(v, int)
            ]
        )

    def _listed(self, items: list[str]) -> str:
        """``items`` as a list in the page's language; an empty one leaves the template unfilled."""
        if not items:
            raise KeyError("an empty list")
        return self.owner.joined(items)

    def _readings(self) -> str:
        return self._listed(
            [
                f"{self.owner.label(k)} {self.owner.reading(k, v)}"
                for k, v in self.given.items()
                if k in CONCEPTS
            ]
        )

    def _red_parameters(self) -> str:
        """How many NEWS2 parameters scored 3 (the red score), as the engine's English counts them:
        ``detail.red_parameters.one`` for one, else ``.several`` with their number."""
        n = sum(1 for k, v in self.given.items() if k in NEWS2_PARAMETERS and v == 3)
        return self.owner.entry(f"detail.red_parameters.{'one' if n == 1 else 'several'}").format(n=n)

    def _kidney(self) -> str:
        """eGFR and ACR with the KDIGO stages the assessment gave them (``G3a``, ``A2``), creatinine."""
        components = self._score("kidney").get("components") or {}

        def part(key: str, stage: str | None) -> str:
            values = {"value": self._as_read(_KIDNEY_READINGS[key], self.given[key])}
            reading = self.owner.observations.get(_KIDNEY_READINGS[key]) or {}
            if key == "acr" and reading.get("reported_unit") == "mg/mmol":
                # staged on KDIGO's mg/mmol cut-points: as reported first, as the engine says it
                values["value"] = (
                    f"{reading.get('comparator') or ''}{number(reading['reported_value'])} mg/mmol = {values['value']}"
                )
            if stage is not None:
                values["stage"] = str(components[stage] or "")
                if not values["stage"]:
                    raise KeyError(stage)
            return self.owner.entry(f"detail.{key}").format(**values)

        stages = {"egfr": "gfr_category", "acr": "albuminuria", "creatinine": None}
        parts = [part(key, stage) for key, stage in stages.items() if self.given.get(key) is not None]
        if not parts:
            raise KeyError("kidney")
        return self.owner.entry("list.clauses").join(parts)

    def _hypertension_action(self) -> str:
        """What proteinuria with hypertension asks for: in pregnancy from 20 weeks with known
        hypertension a suspected superimposed pre-eclampsia (``superimposed``) - not with a dipstick
        measured before 20 weeks (``urine_protein_before_20_weeks``: kidney disease?) -, else the ACR, the
        creatinine (at 3+ or more the oedema too) and a referral (``triage.rule_checks.proteinuria``); with no pressure measured, that
        it is measured now (``detail.proteinuria_pressure.none``)."""
        superimposed = self.given.get("superimposed") is True
        # a dipstick measured before 20 weeks: not superimposed pre-eclampsia's new proteinuria
        before = self.given.get("urine_protein_before_20_weeks") is True
        if not (superimposed or before):  # at 3+ or more the check for oedema too (nephrotic syndrome)
            heavy = "_3plus" if self.given.get("urine_protein") in ("3+", "4+") else ""
            return self.owner.entry(f"detail.proteinuria_hypertension{heavy}")
        said = self.owner.entry(f"detail.superimposed{'_before_20_weeks' if before else ''}")
        if self.given.get("sbp") is None and self.given.get("dbp") is None:  # measured now
            said += self.owner.entry("list.clauses") + self.owner.entry("detail.proteinuria_pressure.none")
        return said

    def _response(self) -> str:
        """The NEWS2 Chart 4 clinical response and monitoring of the assessment's NEWS2 band
        (``detail.news2_response.<band>``)."""
        band = (self.owner.scores.get("news2") or {}).get("band")
        return self.owner.entry(f"detail.news2_response.{band}")

    def _symptoms(self) -> str:
        """The acute symptoms the reason recorded (``chest_pain, dyspnoea``), each in the page's
        language (``detail.acute_symptom.<symptom>``)."""
        named = str(self.given["acute_symptoms"]).split(", ")
        # a headache or epigastric pain after birth is named so (``detail.acute_symptom.headache_postpartum``),
        # not "in pregnancy"
        after = "_postpartum" if self.given.get("postpartum") is True else ""
        return self._listed(
            [
                self.owner.entry(
                    f"detail.acute_symptom.{symptom}{after if symptom in PRE_ECLAMPSIA_SYMPTOMS else ''}"
                )
                for symptom in named
            ]
        )

    def _meanings(self) -> str:
        """Each acute symptom the reason recorded with what it means here, ``label: meaning``
        (``detail.symptom_meaning.<symptom>``): chest pain and breathlessness in pregnancy or after
        birth (``pulmonary_embolism``) as ``chest_pain_maternal`` and ``dyspnoea_<pulmonary_embolism>``,
        a child's chest pain or neurological deficit (``child``) as ``<symptom>_child``, breathlessness where NEWS2 is not used as
        ``dyspnoea_<news2_not_used>`` (``triage.rules.symptoms``)."""
        meanings = []
        for symptom in str(self.given["acute_symptoms"]).split(", "):
            after = (
                "_postpartum"
                if self.given.get("postpartum") is True and symptom in PRE_ECLAMPSIA_SYMPTOMS
                else ""
            )
            label = self.owner.entry(f"detail.acute_symptom.{symptom}{after}")
            maternal = self.given.get(
                "pulmonary_embolism"
            )  # pregnancy or postpartum: chest pain, breathlessness
            variant = (
                ("_maternal" if symptom == "chest_pain" else f"_{maternal}")
                if maternal and symptom in ("chest_pain", "dyspnoea")
                else "_child"
                if self.given.get("child") is True and symptom in ("chest_pain", "neurological_deficit")
                else f"_{self.given['news2_not_used']}"
                if symptom == "dyspnoea" and self.given.get("news2_not_used")
                else ""
            )
            meaning = self.owner.entry(f"detail.symptom_meaning.{symptom}{variant}")
            meanings.append(self.owner.entry("text.labelled").format(label=label, text=meaning))
        return self.owner.entry("list.clauses").join(meanings)

    def _maternal_embolism(self) -> str:
        """In pregnancy or after birth (``pulmonary_embolism``), the pulmonary embolism a pressure
        rule's reason names, as a clause after the action: chest pain with what it means there
        (``detail.symptom_meaning.chest_pain_maternal``), else breathlessness
        (``detail.pulmonary_embolism_maternal``); else nothing (``triage.rule_checks``:
        ``hypertensive_emergency``, ``pre_eclampsia_severe_features``)."""
        if not self.given.get("pulmonary_embolism"):
            return ""
        chest = "chest_pain" in str(self.given["acute_symptoms"]).split(", ")
        said = self.owner.entry("text.labelled").format(
            label=self.owner.entry(f"detail.acute_symptom.{'chest_pain' if chest else 'dyspnoea'}"),
            text=self.owner.entry(
                "detail.symptom_meaning.chest_pain_maternal"
                if chest
                else "detail.pulmonary_embolism_maternal"
            ),
        )
        return self.owner.entry("list.clauses") + said

    def _dose(self) -> str:
        """The fast-acting glucose for a glucose below the critical low: a child's by weight
        (``child``: under 18, ISPAD 2022), else the adult's (``triage.rules.glycaemia``)."""
        return self.owner.entry(
            "detail.glucose_dose_child" if self.given.get("child") is True else "detail.glucose_dose"
        )

    def _pregnancy_glucose(self) -> str:
        """Hyperglycaemia in pregnancy, its readings in it: first detected (referred to confirm it) or,
        with known diabetes (``known_diabetes``), her treatment reviewed (``triage.rules.glycaemia``)."""
        which = "known_diabetes" if self.given.get("known_diabetes") is True else "first_detected"
        return self.owner.entry(f"detail.pregnancy_glucose.{which}").format_map(self)

    def _ketones(self) -> str:
        """That ketones are tested now when none were measured (``ketones_now``), else nothing
        (``triage.rules.glycaemia``: known diabetes in pregnancy above the targets, NICE NG3)."""
        return self.owner.entry("detail.ketones_now") if self.given.get("ketones_now") is True else ""

    def _spo2_whose(self) -> str:
        """Whose SpO2 reading this is: a child's (``child``: under 16, where NEWS2's SpO2 scales are
        not used) or one on the NEWS2 scale given (``triage.rules.vital_signs``)."""
        if self.given.get("child") is True:
            return self.owner.entry("detail.spo2_child")
        return self.owner.entry("detail.spo2_scale").format(scale=self["scale"])

    def _spo2_action(self) -> str:
        """What the SpO2 band asks for (``detail.band.<band>``); a child's (``<band>_child``: NICE
        NG9's 92 %) for a child, on supplemental oxygen (``oxygen``: ``<band>_child_oxygen``) not
        read as in air."""
        child = "_child" if self.given.get("child") is True else ""
        if child and self.given.get("oxygen") is True:
            child += "_oxygen"
        return self.owner.entry(f"detail.band.{self.given['band']}{child}")

    def _dipstick_repeat(self) -> str:
        """How a positive dipstick is repeated (``detail.dipstick_repeat``): a child's on a first
        morning sample (``child``: under 18, ``_child``), menstruation said only where she may
        menstruate (``menstruation`` false: ``_no_menstruation``), in the 6 weeks after birth the
        postnatal bleeding (``lochia``: ``_lochia``; ``triage.rules.kidney``)."""
        child = "_child" if self.given.get("child") is True else ""
        if self.given.get("lochia") is True:
            bleeding = "_lochia"
        else:
            bleeding = "_no_menstruation" if self.given.get("menstruation") is False else ""
        return self.owner.entry(f"detail.dipstick_repeat{child}{bleeding}")

    def _no_acr(self) -> str:
        """That no ACR quantifies a dipstick read on the pre-eclampsia pathway: none (``detail.no_acr``),
        or one measured before 20 weeks (``acr_before_20_weeks``) or perhaps before
        (``acr_maybe_before_20_weeks``), or before the dipstick (``acr_before_dipstick``; ``triage.rules.kidney``)."""
        which = next((k for k in _ACR_BEFORE if self.given.get(k) is True), None)
        if which is None:
            return self.owner.entry("detail.no_acr")
        acr = self.owner.reading("albumin_creatinine_ratio", self.given.get("acr"))
        return self.owner.entry(f"detail.no_{which}").format(acr=acr)

    def _dipstick_when(self) -> str:
        """``new`` for a dipstick read on the pre-eclampsia pathway from 20 weeks, ``before_20_weeks``
        for one measured before (``urine_protein_before_20_weeks``, ``triage.rules.kidney``)."""
        return "before_20_weeks" if self.given.get("urine_protein_before_20_weeks") is True else "new"

    def _pregnancy_dipstick(self) -> str:
        """The dipstick a pregnancy proteinuria rule read, and when: from 20 weeks with the ACR that
        does not quantify it (``{no_acr}``), or measured before 20 weeks."""
        return self.owner.entry(f"detail.pregnancy_dipstick.{self._dipstick_when()}").format_map(self)

    def _dipstick_read(self) -> str:
        """What that dipstick is and what to do, by its rule (1+: ``pregnancy_proteinuria_1plus``)."""
        rule = "1plus" if self.given.get("urine_protein") == "1+" else "2plus"
        return self.owner.entry(f"detail.dipstick_read.{rule}.{self._dipstick_when()}")

    def _albuminuria_read(self) -> str:
        """What KDIGO's albuminuria is: from 20 weeks of pregnancy (``pregnant``), below NICE NG133's
        significant proteinuria (``triage.rules.kidney``), or measured before 20 weeks
        (``acr_before_20_weeks``), else moderately or severely increased."""
        which = "pregnancy" if self.given.get("pregnant") is True else "kdigo"
        if self.given.get("acr_before_20_weeks") is True:  # it may be pre-existing kidney disease
            which = "before_20_weeks"
        return self.owner.entry(f"detail.albuminuria_read.{which}")

    def _proteinuria_when(self) -> str:
        """When new proteinuria with a symptom of pre-eclampsia is read so: in pregnancy from 20
        weeks, or in the 6 weeks after birth (``postpartum``; ``triage.rules.kidney``)."""
        when = "postpartum" if self.given.get("postpartum") is True else "pregnancy"
        return self.owner.entry(f"detail.proteinuria_when.{when}")

    def _pregnancy_bp_why(self) -> str:
        """What a raised pressure in pregnancy is assessed for the same day, as the engine's reason
        says it (``triage.rules.blood_pressure``): before 20 weeks chronic hypertension; from 20 weeks
        (or the weeks not recorded) pre-eclampsia, its urine protein asked for only when none was
        measured, suspected (or superimposed, in known hypertension) with new proteinuria."""
        weeks = self.given.get("gestation_weeks")
        if isinstance(weeks, int | float) and weeks < PRE_ECLAMPSIA_FROM_WEEKS:
            return self.owner.entry("detail.pregnancy_bp.chronic")
        return self._pre_eclampsia_why("pregnancy_bp")

    def _postpartum_bp_why(self) -> str:
        """What a raised pressure in the 6 weeks after birth is assessed for the same day: postpartum
        pre-eclampsia, its urine protein asked for only when none was measured, suspected with new
        proteinuria (``triage.rules.blood_pressure``)."""
        return self._pre_eclampsia_why("postpartum_bp")

    def _pre_eclampsia_why(self, key: str) -> str:
        """``detail.<key>.urine`` with no urine protein measured, else ``.superimposed``,
        ``.suspected`` or ``.measured`` naming the dipstick and the ACR measured."""
        protein, acr = self.given.get("urine_protein"), self.given.get("acr")
        urine = (
            []
            if protein is None
            else [
                self.owner.entry("detail.dipstick_protein").format(value=self.owner.value(str(protein)))
                + self._before_20_weeks("urine_protein_before_20_weeks")
            ]
        )
        if acr is not None:  # one measured before 20 weeks said so (not new proteinuria)
            urine.append(self._kidney() + self._before_20_weeks("acr_before_20_weeks"))
        if not urine:
            return self.owner.entry(f"detail.{key}.urine")
        if self.given.get("superimposed") is True:
            kind = "superimposed"
        elif self.given.get("proteinuria") is True:
            kind = "suspected"
        else:  # measured only before 20 weeks: a dipstick asked for now (``urine_protein_now``)
            kind = "measured_now" if self.given.get("urine_protein_now") is True else "measured"
        return self.owner.entry(f"detail.{key}.{kind}").format(urine=self._listed(urine))

    def _before_20_weeks(self, flag: str) -> str:
        """`` (measured before 20 weeks)`` after a reading the engine read so (``values[flag]``)."""
        return self.owner.entry("detail.acr_before_20_weeks") if self.given.get(flag) is True else ""

    def _proteinuria_read(self) -> str:
        """The proteinuria read with a symptom of pre-eclampsia: new (``detail.proteinuria_read.new``,
        when and at what pressure), or an ACR alone measured before 20 weeks, which may be
        pre-existing kidney disease (``acr_before_20_weeks``, ``.before_20_weeks``), or a dipstick
        measured before 20 weeks with no reading from 20 weeks (``urine_protein_before_20_weeks``)."""
        before = any(
            self.given.get(k) is True for k in ("acr_before_20_weeks", "urine_protein_before_20_weeks")
        )
        return self.owner.entry(f"detail.proteinuria_read.{'before_20_weeks' if before else 'new'}").format(
            when=self._proteinuria_when(), pressure=self._proteinuria_pressure()
        )

    def _proteinuria_pressure(self) -> str:
        """The pressure new proteinuria with a symptom of pre-eclampsia was read at: below 140/90
        mmHg, or none measured among the readings the assessment used (neither pressure), which is
        then asked for, as the engine's reason says (``triage.rules.kidney``)."""
        measured = "sbp" in self.owner.observations or "dbp" in self.owner.observations
        return self.owner.entry(f"detail.proteinuria_pressure.{'below' if measured else 'none'}")

    def _scores(self) -> str:
        return self._listed(
            [f"{name} {number(self.given[key])}" for key, name in _SCORE_NAMES.items() if key in self.given]
        )


class _DetailValue:
    """One of a reason's values: ``{key}`` formatted, ``{key:text}`` named by the catalogue,
    ``{key:reading}`` the reading the assessment used."""

    def __init__(self, owner: EngineText, name: str, value: object):
        self.owner, self.name, self.value = owner, name, value

    def __format__(self, spec: str) -> str:
        value = self.value
        if spec == "text":
            return self.owner.entry(f"detail.{self.name}.{value}")
        if spec == "reading":
            return self.owner.reading(self.name, value)
        if spec:
            raise ValueError(f"unknown conversion {spec!r}")
        if isinstance(value, bool):
            raise ValueError(f"{self.name} is a flag, not text")
        if isinstance(value, int | float):
            return number(value)
        return str(value)
