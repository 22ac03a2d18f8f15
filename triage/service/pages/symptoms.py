"""The acute symptoms a nurse asks beside a severe blood pressure (``patient.acute_symptoms``,
docs/assessment.md "Patient context") on the patient page's "assess now" form: a group of
checkboxes, one a symptom, and an explicit "asked - none of these".

Nothing ticked is "not asked" (``null``), "asked - none of these" is ``[]``: the two stay apart, as
the engine needs them (a pressure of 180 and/or 110 mmHg or more with the symptoms not asked is a
missing input, not an answer). The answer is kept on the visit like the rest of the history
(``referral/encounter_context.py``, audited ``encounter.context``), and the page lists who recorded
each answer and when from that audit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from referral import audit
from referral import encounter_context as visit_history
from triage.errors import UserInputError
from triage.patient import ACUTE_SYMPTOMS, PRE_ECLAMPSIA_SYMPTOMS
from triage.service.i18n import Catalogue, catalogue
from triage.service.pages.forms import FormState

FIELD = "acute_symptoms"
NONE_OF_THESE = "none"  # the box "asked - none of these": the list [] sent to the engine


def ticked_symptoms(ticked: Sequence[str], before: object) -> list[str] | None:
    """The boxes ticked as the visit's ``acute_symptoms``: the symptoms ticked (in the vocabulary's
    order), ``[]`` for "asked - none of these" alone, ``None`` (nothing to change) when nothing is
    ticked and nothing was recorded ``before``. Refused, to be said beside the group: a value
    outside the vocabulary, "none of these" with a symptom, and every box unticked where an answer
    was recorded (a symptom gone is "none of these"; unticking is no answer)."""
    unknown = [s for s in ticked if s not in (*ACUTE_SYMPTOMS, NONE_OF_THESE)]
    if unknown:
        raise UserInputError(
            f"{FIELD}: {unknown[0]!r} is not one of {', '.join((*ACUTE_SYMPTOMS, NONE_OF_THESE))}",
            says="error.symptoms_unknown",
            params={"given": unknown[0]},
        )
    symptoms = [s for s in ACUTE_SYMPTOMS if s in ticked]
    if NONE_OF_THESE in ticked and symptoms:
        raise UserInputError(
            f"{FIELD}: 'none of these' ticked with {', '.join(symptoms)}: tick one or the other",
            says="error.symptoms_none_and_some",
        )
    if NONE_OF_THESE in ticked:
        return []
    if symptoms:
        return symptoms
    if before is not None:
        raise UserInputError(
            f"{FIELD}: every box unticked where {before!r} was recorded: tick the symptoms present,"
            " or 'none of these'",
            says="error.symptoms_unticked",
        )
    return None


def symptoms_context(
    db: Database,
    encounter: Mapping[str, Any],
    patient: Mapping[str, Any],
    payload: Mapping[str, Any] | None,
    sent: FormState,
    language: str,
) -> dict[str, Any]:
    """What the patient page shows of the acute symptoms in ``language``: the choices by their
    names (``detail.acute_symptom.<symptom>``; a headache and epigastric pain, which count in pregnancy
    and after birth only, ``symptoms.headache`` and ``symptoms.epigastric_pain``, not for a man), the boxes ticked (those sent back with an error, else the answer recorded for the
    visit), whether the latest assessment lists them as missing (a severe pressure, not asked: the
    page asks), and who recorded each answer of the visit, when and what (oldest first)."""
    text = catalogue(language)
    recorded = visit_history.stated(encounter).get(FIELD)
    asked_for = payload is not None and FIELD in (payload.get("missing_inputs") or [])
    if FIELD in sent.values:
        ticked = [s for s in sent.value(FIELD).split(",") if s]
    else:
        # "none" recorded before a severe pressure measured since is no answer for it (the engine
        # asks again, triage.readings.unasked): not ticked, or "assess now" would send it again unasked
        ticked = [NONE_OF_THESE] if recorded == [] and not asked_for else list(recorded or [])
    # a headache or epigastric pain recorded for a man (through the API) stays in view, so that sending
    # the form keeps it
    man = patient.get("sex") == "male"
    choices = [s for s in ACUTE_SYMPTOMS if s not in PRE_ECLAMPSIA_SYMPTOMS or not man or s in ticked]
    return {
        "symptom_choices": {s: _choice(text, s) for s in choices},
        "symptoms_ticked": ticked,
        "symptoms_asked_for": asked_for,
        "symptoms_record": [
            {"at": e["at"], "actor": e["actor"], "said": _said(text, e["data"]["after"][FIELD])}
            for e in audit.entries_for(db, "encounter", int(encounter["id"]))
            if e["action"] == "encounter.context" and FIELD in e["data"].get("fields", [])
        ],
    }


def _said(text: Catalogue, answer: list[str] | None) -> str:
    """An answer recorded, in words: the symptoms by name, "asked, none of these", "not asked"."""
    if answer is None:
        return text("symptoms.not_asked")
    if not answer:
        return text("symptoms.none_recorded")
    return text("list.sep").join(_choice(text, s) for s in answer)


def _choice(text: Catalogue, symptom: str) -> str:
    """A symptom as the form asks it: a headache or epigastric pain "in pregnancy or after birth"
    (``symptoms.headache``, ``symptoms.epigastric_pain``: each counts in both), the others by their
    names (``detail.acute_symptom.<symptom>``)."""
    return text(
        f"symptoms.{symptom}" if symptom in PRE_ECLAMPSIA_SYMPTOMS else f"detail.acute_symptom.{symptom}"
    )
