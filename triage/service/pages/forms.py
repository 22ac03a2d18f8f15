"""What the staff pages' entry forms offer (the reading form's groups, the history questions), and
a form sent back: what the user typed and each field's error, so the page shows the form again
with the error beside its field instead of a separate error page."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Form
from sqlite_utils import Database

from referral import audit
from referral.clock import Clock
from referral.store import digest
from triage.errors import ClinicError, ImplausibleValueError, UnitError
from triage.service.i18n import catalogue
from triage.service.pages.engine_text import EngineText
from triage.service.pages.rendering import code_name, error_text
from triage.vocabulary import CONCEPTS, Concept

# the unit typed, as triage.units.resolve_unit names it when it refuses it
_UNIT_TYPED = re.compile(r'unit ("(?:[^"\\]|\\.)*") is not accepted')
# the engine's words for a value outside a reading's plausible range (``triage.observation``)
_IMPLAUSIBLE = re.compile(
    r"^\S+: value (?P<given>.+) is outside the plausible range (?P<low>\S+)-(?P<high>\S+) (?P<unit>\S+)$"
)
# a value refused as no number that has a decimal comma ("6,5"): said, never read as 6.5 - it may be
# a typo of 6.5 or of 65, so the nurse types it again; three digits after it may be thousands (1,200)
_DECIMAL_COMMA = re.compile(r'value "\s*(?P<whole>[+-]?\d+),(?P<part>\d{1,2})\s*" is not a number')
# a value refused as no number that is a number with its unit after it ("70kg", "98 %", 70公斤, as
# written on paper): said so, the number alone shown - never read as the number (nothing is guessed
# from free text); a letter, %, a degree or micro sign or a CJK character starts the unit, so
# "120/80" (two readings) is not one
_UNIT_IN_VALUE = re.compile(
    r'value "(?P<typed>\s*(?P<number>[+-]?\d+(?:\.\d+)?)\s*[A-Za-z%°µμ\u4e00-\u9fff][^"]*)" is not a number'
)


#: the key a served form carries (``rendering.FORM_KEY``; empty from a page served before it had one)
FormKey = Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]


def keyed(key: str, fields: Mapping[str, object]) -> tuple[str, str] | None:
    """The form's key and the fingerprint of what was sent with it (``fields``), as the log keeps a
    keyed request: the same form sent again is answered what the first one stored, and the key sent
    with other contents is refused (``idempotency_conflict``). ``None`` without a key."""
    return (key, digest(dict(fields))) if key else None


def done_last(db: Database, entity: str, entity_id: int | str, action: str, actor: str, reason: str) -> bool:
    """Whether the record's latest audit entry is ``action`` by ``actor`` for ``reason``: a form
    without a key (a step on a record) pressed again after "no answer" (``app.js``), whose first
    press did it, is said as done rather than refused as nothing left to do."""
    last = audit.entries_for(db, entity, entity_id)[-1:]
    return [(e["action"], e["actor"], e["reason"]) for e in last] == [(action, actor, reason.strip())]


@dataclass(frozen=True)
class FieldError:
    """A field's error in the user's language, and, on a page in another language, the English
    record under it (on an English page the two said the same thing twice)."""

    text: str
    detail: str | None = None


@dataclass(frozen=True)
class FormState:
    """A form as the page shows it: blank, or sent back with what was typed and its errors."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, FieldError] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def error(self, name: str) -> FieldError | None:
        return self.errors.get(name)

    def first_error(self) -> str | None:
        """The first field with an error, in the form's order (the order of ``values``, as typed;
        a route may find the errors in another order: the walk-in's age before its record number),
        which takes the focus (``form``, an error about the whole form, is no field)."""
        fields = [name for name in self.values if name in self.errors] + list(self.errors)
        return next((name for name in fields if name != "form"), None)


def sent_back(forms: Mapping[str, FormState] | None = None) -> defaultdict[str, FormState]:
    """The page's forms by name (``forms['vitals']``): the ones sent back, any other one blank."""
    return defaultdict(FormState, forms or {})


def field_error(language: str, exc: ClinicError, clinic: Clock) -> FieldError:
    """A refusal (``error.says``) as a field's error: in the user's language (a time in ``clinic``'s
    zone), the English under it."""
    shown = error_text(language, str(exc), exc, clinic)
    return FieldError(shown, _record(language, shown, exc))


def _record(language: str, shown: str, exc: ClinicError) -> str | None:
    """The engine's English words under a field's error: only where the page speaks another language."""
    return None if language == "en" or shown == str(exc) else str(exc)


def reading_error(language: str, code: str, exc: ClinicError, unit_field: bool = True) -> FieldError:
    """A typed reading triage cannot take, said in the user's language with the reading by name:
    a value outside the plausible range with the range and its unit, a coded reading with its
    answers, a value that is no number as typed (with its unit in it: the number alone, the unit
    in the form's unit field - ``unit_field`` - or beside the field); the engine's words as the
    detail."""
    text, engine = catalogue(language), EngineText(language)
    name = code_name(language, code)
    concept = CONCEPTS.get(code)
    found = _IMPLAUSIBLE.fullmatch(str(exc)) if isinstance(exc, ImplausibleValueError) else None
    if found is not None:
        message = text(
            "entry.implausible",
            name=name,
            given=engine.value(found["given"]),
            range=engine.with_unit(f"{found['low']}-{found['high']}", found["unit"]),
        )
    elif concept is not None and concept.answers:
        answers = text("list.sep").join(engine.value(answer) for answer in concept.answers)
        message = text("entry.answers", name=name, answers=answers)
    elif comma := _DECIMAL_COMMA.search(str(exc)):
        message = text("entry.decimal_comma", name=name, point=f"{comma['whole']}.{comma['part']}")
    elif unit := _UNIT_IN_VALUE.search(str(exc)):
        says = "entry.unit_in_value" if unit_field else "entry.unit_in_vital"
        message = text(says, name=name, typed=unit["typed"].strip(), number=unit["number"])
    elif "is not a number" in str(exc):
        message = text("entry.not_number", name=name)
    elif isinstance(exc, UnitError) and concept is not None and (typed := _UNIT_TYPED.search(str(exc))):
        # the units it takes, as the readings table writes them; a blank unit is the first
        units = [engine.unit(unit) for unit in (concept.unit, *concept.accepted_units)]
        message = text(
            "entry.unit_not_taken" if len(units) > 1 else "entry.unit_only",
            name=name,
            unit=json.loads(typed[1]),
            units=text("list.or").join(units),
            default=units[0],
        )
    else:
        message = text("entry.not_recorded", name=name)
    return FieldError(message, _record(language, message, exc))


# The reading form's groups, in the order a nurse works: what is observed at the bedside, body
# measurements, laboratory results (every code not named here), the urine dipstick
VITAL_SIGNS = (  # the NEWS2 chart's order
    "resp_rate",
    "spo2",
    "supplemental_o2",
    "sbp",
    "dbp",
    "heart_rate",
    "consciousness",
    "temperature",
)
BODY = ("height", "weight", "waist", "bmi")


def reading_groups() -> list[tuple[str, list[Concept]]]:
    """The reading form's choices as (group message key, concepts): vital signs in the NEWS2
    chart's order, body measurements, laboratory and urine dipstick in the vocabulary's order
    (the same in both languages, never sorted by the English name)."""
    vital = [CONCEPTS[code] for code in VITAL_SIGNS if code in CONCEPTS]
    body = [CONCEPTS[code] for code in BODY if code in CONCEPTS]
    rest = [c for c in CONCEPTS.values() if c.code not in VITAL_SIGNS and c.code not in BODY]
    dipstick = [c for c in rest if c.code.startswith("urine_")]
    laboratory = [c for c in rest if not c.code.startswith("urine_")]
    groups = [
        ("entry.group_vital", vital),
        ("entry.group_body", body),
        ("entry.group_laboratory", laboratory),
        ("entry.group_dipstick", dipstick),
    ]
    return [(key, concepts) for key, concepts in groups if concepts]


# The history a nurse asks, on the "assess now" form: yes / no / not known, or left as stated before.
HISTORY_QUESTIONS = (
    "diabetes",
    "hypertension",
    "ckd",
    "on_antihypertensives",
    "current_smoker",
    "family_history_ascvd",
    "known_ascvd",
    "pregnant",
    "postpartum",
)


def history_form_values(stated: dict[str, object]) -> dict[str, str]:
    """What the form shows for each question: the answer stated earlier in the visit, or blank;
    the weeks of pregnancy as their number."""
    values: dict[str, str] = {}
    for question in HISTORY_QUESTIONS:
        if question in stated:
            answer = stated[question]
            values[question] = "yes" if answer is True else "no" if answer is False else "unknown"
    if isinstance(weeks := stated.get(GESTATION), int):
        values[GESTATION] = str(weeks)
    return values


GESTATION = "gestation_weeks"  # asked next to "Pregnant", a number of completed weeks
