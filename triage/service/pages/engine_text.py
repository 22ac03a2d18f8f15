"""The engine's free text on the staff pages, in the user's language, rendered at display time.

The Assessment keeps English, the engine's language of record (API, stored JSON): nothing here
changes it. The pages show

- each reason's detail from the catalogue template ``rule_detail.<rule>``, filled from the
  reason's ``values`` (the inputs that fired the rule) and the readings the assessment used;
- notes, why a reading was not used (ignored readings), model reasons and model explanations by
  matching the engine's own phrasings (``triage.phrases``, the templates the engine writes them
  with) and filling ``engine.<key>``;
- the scores table: each score's name (``score.<name>``), value with its unit and band
  (``score.<name>.<band>``; kidney: the KDIGO G and A stages), and why it says so: its detail
  matched against the phrasings the score wrote it with (``triage.phrases.SCORE_DETAILS``) and
  filled into ``score_detail.<name>.<key>`` (else ``score_detail.<key>``), without the clause
  naming a point score's missing items (the page marks the band incomplete and lists them) but
  with its note of why one is missing (a size pair not used: ``triage.phrases.INCOMPLETE_NOTED``);
- readings as stored (``value``: a reading's value, an answer by ``detail.answer.<value>``, a unit
  by ``unit.<ucum>``) and lists of codes by name (``names``).

Comparators read as a person writes them in both languages (``bounds``: ``>=`` as ≥, ``<=`` as ≤,
"NEWS2 ≥5 分"; a point score with items missing shows its value as a lower bound, "≥5 分").

Whatever cannot be rendered completely - no template, a value the template needs is absent or
null, text no phrase matches - is shown as the engine wrote it, never half-filled.

Detail template fields (``str.format``): every key of ``values`` (numbers to one decimal at
most), with a conversion after the colon ``{key:text}`` (the catalogue's ``detail.<key>.<value>``)
and ``{code:reading}`` (the reading of that code as used: comparator, number, unit, as reported);
derived (``rule_detail.DERIVED``): ``{at_least}`` and ``{incomplete}`` (a score with missing items is a lower
bound; ``{incomplete}`` names the readings it lacks), ``{bp}`` (``sbp/dbp``), ``{grade}`` and
``{single}`` (the assessment's blood-pressure grade, and "single reading", with "at least this
grade" when a pressure is missing - 13-17 "at least this stage", under 13 only that one is missing),
``{points}`` (each NEWS2 parameter that scored: its reading and its points), ``{measure_now}`` (an
incomplete score: measure the missing observations now), ``{scoring}`` (the qSOFA or CRB-65 items
that scored, each reading with its unit), ``{readings}`` (each reading named), ``{kidney}`` (eGFR and ACR with their KDIGO stages, creatinine), ``{scores}`` (the
risk scores that fired),
``{response}`` (the NEWS2 clinical response and monitoring of the assessment's NEWS2 band).
Phrase fields are the matched text, or with a conversion ``{field:codes}`` (a list of codes by
name), ``{field:label}``, ``{field:model}`` (a risk model by name, ``model.<name>``), ``{field:named}`` (a list whose items start with a name),
``{field:text}`` (``engine.value.<text>``), ``{field:time}`` (an ISO time in the clinic's local
time, as every page time), ``{field:reason}`` and ``{field:ranges}`` (nested phrases),
``{field:explanation}``; in a score's detail also ``{field:unit}`` (``score_detail.unit.<unit>``),
``{field:band}`` (the score's band, ``score.<name>.<band>``), ``{field:estimates}`` (kidney's
differing eGFRs, each by ``engine.kidney_estimate_<key>``), ``{field:response}`` (the NEWS2
response of the score's band) and ``{field:odds}`` (FINDRISC's "1 in 3", ``score_detail.odds``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from referral.clock import MACHINE, Clock
from triage import phrases
from triage.phrases import Phrase
from triage.scores import risk_shown
from triage.service.clinic import observation_from_row
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock, local_time
from triage.service.pages.phrase_field import PhraseField
from triage.service.pages.rule_detail import DetailFields, missing_names, missing_note, number
from triage.vocabulary import CONCEPTS

# phrasings the engine writes that ``triage.phrases`` does not list for the pages yet (its NOTES and
# SCORE_DETAILS): a child's or pregnant woman's vital signs NEWS2 does not score, an SpO2 on scale 2
# without air or oxygen, NEWS2 outside its population, the adult scores' age range, the 10-year
# equations for a patient with established ASCVD, the risk scores in pregnancy
_NEWS2_NOT_APPLICABLE = (phrases.NEWS2_CHILD, phrases.NEWS2_PREGNANCY)
_NOTES = tuple(
    dict.fromkeys(
        (*phrases.NOTES, phrases.VITALS_NOT_SCORED, phrases.OXYGEN_UNKNOWN, phrases.SYMPTOMS_NONE_BEFORE)
    )
)
_SCORE_DETAILS: dict[str, tuple[Phrase, ...]] = {
    **phrases.SCORE_DETAILS,
    **{
        name: tuple(dict.fromkeys((*phrases.SCORE_DETAILS.get(name, ()), *more)))
        for name, more in {
            "news2": _NEWS2_NOT_APPLICABLE,
            "qsofa": (phrases.OUTSIDE_AGES,),
            "kidney": (phrases.OUTSIDE_AGES,),
            "findrisc": (phrases.OUTSIDE_AGES, phrases.PREGNANCY_NOT_APPLICABLE),
            "crb65": (phrases.OUTSIDE_AGES,),
            "china_par": (phrases.SECONDARY_PREVENTION, phrases.PREGNANCY_NOT_APPLICABLE),
            "pce": (phrases.SECONDARY_PREVENTION, phrases.PREGNANCY_NOT_APPLICABLE),
            "cdrs": (phrases.PREGNANCY_NOT_APPLICABLE,),
        }.items()
    },
}
_NAMED = re.compile(r"^([A-Za-z0-9_]+)")  # the name an item of a list starts with ("age +1.22", "bmi=27")
# a reading as the engine shows it (``Observation.display_value``): "<op><number> <unit>", with
# " (reported <op><number> <unit>)" when it was converted
_SHOWN = re.compile(
    r"(?P<value>[<>]?=?[0-9.eE+-]+) (?P<unit>\S+)(?: \(reported (?P<reported>\S+) (?P<reported_unit>\S+)\))?"
)
# ">= 7" is written "≥7" (a bound before a number), ">= threshold" keeps its space
_LOWER_BOUND, _UPPER_BOUND = re.compile(r">= ?(?=[0-9])|>="), re.compile(r"<= ?(?=[0-9])|<=")
_FAILED = (KeyError, ValueError, IndexError, TypeError)
# the engine's "; measured <time>[ to <time>]" at the end of a reason's detail (triage.readings.measured)
_MEASURED = re.compile(r"; measured (?P<first>\S+)(?: to (?P<last>\S+))?$")
_COMPARED = re.compile(r"(?P<op>[<>]?=?)(?P<number>[0-9.eE+-]+)")  # ">33.3": comparator, number


def _moment(at: object) -> datetime | None:
    """An ISO time as a moment, to compare times written differently (``Z`` or ``+00:00``)."""
    try:
        return datetime.fromisoformat(str(at)) if at else None
    except ValueError:
        return None


def bounds(text: str) -> str:
    """Comparators as a person writes them: ``>=`` as ≥ and ``<=`` as ≤ ("NEWS2 ≥5", "≥5 分").
    The engine's record (Assessment JSON, the hover) keeps its ASCII; only the page changes."""
    return _LOWER_BOUND.sub("≥", _UPPER_BOUND.sub("≤", text))


class EngineText:
    """One assessment's engine text in ``language``; build one per page (``payload`` is the
    stored Assessment as a dict; ``clinic`` the clock whose zone its times are given in: the pages
    pass the service's, the machine's is for text without a service)."""

    def __init__(self, language: str, payload: Mapping[str, Any] | None = None, *, clinic: Clock = MACHINE):
        self.text: dict[str, str] = catalogue_data(language)
        self.language = language
        self.clinic = clinic
        payload = payload or {}
        self.observations = {o["code"]: o for o in payload.get("observations_used") or ()}
        self.scores: Mapping[str, Any] = payload.get("scores") or {}

    # --- helpers -----------------------------------------------------------------------------
    def entry(self, key: str) -> str:
        """The catalogue's text for ``key``; ``KeyError`` when the catalogue lacks it, so that
        the caller falls back to the engine's English."""
        return self.text[key]

    def joined(self, items: Iterator[str] | list[str]) -> str:
        """``items`` one after another with the language's list separator (``list.sep``)."""
        return self.entry("list.sep").join(items)

    def label(self, code: str) -> str:
        """An observation code or model feature by name (``name.<code>``); the code itself when
        the catalogue has none."""
        return self.text.get(f"name.{code}", code)

    def unit(self, ucum: str) -> str:
        """A unit as the page shows it (``unit.<ucum>``); empty for one that is no unit at all
        (urine specific gravity ``{SG}``, pH ``[pH]``)."""
        return self.text.get(f"unit.{ucum}", ucum)

    def with_unit(self, shown: str, ucum: str) -> str:
        """A number and its unit as the page shows them; the number alone when the unit shows empty."""
        unit = self.unit(ucum)
        return f"{shown} {unit}" if unit else shown

    def model_name(self, model: str) -> str:
        """A risk model by what it estimates (``model.<name>``: "10 年心血管病风险"); the model's code
        when the catalogue has none. The code and version stay on the page beside it."""
        return self.text.get(f"model.{model}", model)

    def names(self, codes: list[str]) -> str:
        """Codes (observations, patient fields, model features) by name, as a list."""
        return self.joined([self.label(str(code)) for code in codes])

    def missing_names(self, codes: list[str]) -> str:
        """The missing inputs by name, the BMI's with why (:func:`rule_detail.missing_names`)."""
        return missing_names(self, codes)

    def value(self, shown: str) -> str:
        """A reading's value as the engine shows it (``>33.3 mmol/L``, ``neg``, ``cannot be done``)
        with its unit or answer in the page's language; as it is when it has another shape."""
        found = _SHOWN.fullmatch(shown)
        if found is None:
            return bounds(self.text.get(f"detail.answer.{shown}", shown))
        text = self.with_unit(found["value"], found["unit"])
        if found["reported"] is not None:
            reported = self.with_unit(found["reported"], found["reported_unit"])
            text += self.text.get("detail.reported", " ({value})").format(value=reported)
        return bounds(text)

    def measurement(self, row: Mapping[str, Any]) -> str:
        """A stored reading (an ``observations`` row) as a person reads it: ``>33.3 mmol/L``,
        ``96 次/分``, ``阴性``; see :meth:`numeric`."""
        number = row.get("value_num")
        if number is None:
            return self.value(row.get("value_text") or "")
        # .get: a log saved before migration 0016 has no reported value
        return self.numeric(
            str(row["code"]),
            row.get("comparator"),
            float(number),
            row.get("unit"),
            row.get("reported_value"),
            row.get("reported_unit"),
        )

    def unused(self, reading: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> str:
        """The value of a reading the assessment did not use (``ignored_observations``) as the
        readings table shows it. The engine writes it to 4 significant digits (``1.234e+04 ng/L``
        in older logs; a converted value to its code's decimals, in older logs ``38.61 Cel
        (reported 101.5 [degF])``); the stored reading it was - same code,
        time and engine text - is shown through :meth:`measurement` instead. None found (a log
        saved before migration 0016 has no reported value): the engine's text, a converted value
        to its code's decimals with the value as reported."""
        shown, code = str(reading.get("value") or ""), str(reading.get("code") or "")
        at = _moment(reading.get("observed_at"))
        for row in rows:
            if row.get("code") == code and at is not None and _moment(row.get("observed_at")) == at:
                try:
                    if observation_from_row(dict(row)).display_value() == shown:
                        return self.measurement(row)
                except (*_FAILED, ArithmeticError):
                    continue
        found = _SHOWN.fullmatch(shown)
        if found is None or found["reported"] is None or code not in CONCEPTS:
            return self.value(shown)
        value, reported = _COMPARED.fullmatch(found["value"]), _COMPARED.fullmatch(found["reported"])
        if value is None or reported is None:
            return self.value(shown)
        return self.numeric(
            code,
            value["op"] or None,
            float(value["number"]),
            found["unit"],
            float(reported["number"]),
            found["reported_unit"],
        )

    def stored(self, rows: Iterable[Mapping[str, Any]], observation_id: object, text: str) -> str:
        """A reading a device correction note names (the one replaced, the correction), as the
        readings table shows it: the stored row ``observation_id`` through :meth:`measurement`.
        The correction keeps the value as it was then, every digit of a conversion and the UCUM
        unit (``27.975133214920067 mmol/L``, the audit's record, unchanged); ``text`` is shown when
        the row is not among ``rows``."""
        for row in rows:
            if observation_id is not None and row.get("id") == observation_id:
                return self.measurement(row)
        return text

    def change(
        self,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        old: str,
        new: str | None,
    ) -> tuple[str, str | None]:
        """A device correction's values, old and new (None: withdrawn), as the readings table
        shows them where the stored readings are known (``before``, ``after``), else as written;
        the unit once when both end in the same one ("28 -> 8.2 mmol/L")."""
        old = old if before is None else self.measurement(before)
        if new is None:
            return old, None
        new = new if after is None else self.measurement(after)
        unit = new.partition(" ")[2]
        return (old.removesuffix(f" {unit}") if unit and old.endswith(f" {unit}") else old), new

    def numeric(
        self,
        code: str,
        comparator: str | None,
        value: float,
        unit: str | None,
        reported: float | None = None,
        reported_unit: str | None = None,
    ) -> str:
        """A numeric reading: received in its canonical unit, as received (every digit, no trailing
        ``.0``: ``96 次/分``, ``5.55 mmol/L``); converted, the canonical value to the code's decimals
        (``triage.vocabulary.Concept.decimals``) and the value as reported (``38.6 °C (reported
        101.5 °F)``), never the conversion's digits (38.6111 °C)."""
        op = comparator or ""
        known = CONCEPTS.get(code)
        if reported is None or reported_unit is None or known is None:
            shown = bounds(f"{op}{value:g}")
            return self.with_unit(shown, unit) if unit else shown
        text = self.with_unit(bounds(f"{op}{value:.{known.decimals}f}"), unit or known.unit)
        as_reported = self.with_unit(bounds(f"{op}{reported:g}"), reported_unit)
        return text + self.text.get("detail.reported", " ({value})").format(value=as_reported)

    def reading(self, code: str, value: object = None) -> str:
        """The reading of ``code`` the assessment used, as a person reads it; ``value`` (the
        reason's own) when the assessment has none."""
        o = self.observations.get(code)
        if o is None:
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return self.with_unit(number(value), CONCEPTS[code].unit)
            raise KeyError(code)
        value = o.get("value")
        if isinstance(value, str):
            return self.text.get(f"detail.answer.{value}", value)
        if not isinstance(value, int | float):
            raise KeyError(code)
        return self.numeric(
            code, o.get("comparator"), value, o["unit"], o.get("reported_value"), o.get("reported_unit")
        )

    # --- reasons -----------------------------------------------------------------------------
    def detail(self, reason: Mapping[str, Any]) -> str:
        """A reason's detail in the page's language; the engine's English when it cannot be filled."""
        try:
            return bounds(self.rule_detail(reason))
        except _FAILED:
            return bounds(str(reason.get("detail") or ""))

    def rule_detail(self, reason: Mapping[str, Any]) -> str:
        """A reason's detail from its catalogue template; ``KeyError`` (or ``ValueError``...) when
        the template or a value it needs is missing. A model reason's detail is a phrase."""
        rule = str(reason.get("rule") or "")
        if rule.startswith("model:"):
            return self.phrase(str(reason.get("detail") or ""), phrases.MODEL_REASONS)
        values = reason.get("values") or {}
        # supporting evidence for a more urgent rule (triage.rule_precedence): not its own action
        higher = values.get("deferred_to")
        # what a NEWS2 or glycaemia rule found is its own (detail.deferred.<rule>); a pressure's is one
        deferred = self.text.get(f"detail.deferred.{rule}") or self.entry("detail.deferred") if higher else ""
        template = deferred or self.entry(f"rule_detail.{rule}")
        if higher:
            template = template.replace("{rule}", self.entry(f"rule.{rule}")).replace(
                "{higher}", self.entry(f"rule.{higher}")
            )
        text = template.format_map(DetailFields(self, values))
        english = str(reason.get("detail") or "")
        return text + self._not_validated(english) + self._measured(english)

    def _not_validated(self, detail: str) -> str:
        """The limitation a reason's English ``detail`` carries from its score, computed for a patient
        it is not validated in (``triage.phrases.NOT_VALIDATED``: NEWS2 after birth, an eGFR in
        pregnancy), as a clause in the page's language (``score_detail.<key>``, as the score's own
        detail ends with it); empty when it carries none. The templates say the score and the
        action: without it a mother's "NEWS2 1: treat locally" read as the reassurance it is not."""
        limits = [limit for kept in phrases.NOT_VALIDATED.values() for limit in kept]
        return "".join(
            self.entry("list.clauses") + self.entry(f"score_detail.{limit.key}")
            for limit in limits
            if "; " + limit.template in detail
        )

    def _measured(self, detail: str) -> str:
        """When the readings behind a reason were taken, as the engine's detail ends with them
        (``; measured <time>[ to <time>]``), in the clinic's local time (``detail.measured``,
        ``detail.measured_span``); empty when it names none (a score from the patient's record).
        The time of day alone when the readings were taken today on the clinic's clock, as other
        times on the page; the date kept when either was taken another day."""
        found = _MEASURED.search(detail)
        if found is None:
            return ""
        first, last = (local_time(at, clinic=self.clinic) for at in (found["first"], found["last"]))
        today = self.clinic.now().strftime("%Y-%m-%d ")
        if first.startswith(today) and (found["last"] is None or last.startswith(today)):
            first, last = first.removeprefix(today), last.removeprefix(today)
        if found["last"] is None or first == last:  # the same minute here: not "22:36 至 22:36"
            return self.entry("detail.measured").format(time=first)
        return self.entry("detail.measured_span").format(first=first, last=last)

    # --- the hover (title) beside the text shown ---------------------------------------------
    def hover(self, kind: str, record: Mapping[str, Any], shown: str) -> str | None:
        """What hovering over a reason's detail (``kind`` ``reason``), a score's detail (``score``)
        or an ignored reading (``ignored``) shows. On the English page the engine's English record
        (``detail``); on the Chinese page the record's rule, score or reading code, its recorded
        values and its reference, from ``engine.hover.<part>`` - never the engine's English
        sentence. ``None`` when it would repeat ``shown``. Comparators as the page writes them (``>=``
        as ≥: ``bounds``), the engine's JSON keeping its own; a recorded bound as a comparison
        ("glucose_random >33.3 mmol/L", not "=>33.3")."""
        if self.language == "en":
            detail = bounds(str(record.get("detail") or ""))
            return detail if detail and detail != shown else None
        values = record.get("values") if kind == "reason" else record.get("components")
        listed = [
            f"{key}{' ' if recorded[:1] in '<>≤≥' else '='}{recorded}"
            for key, value in (values or {}).items()
            if value is not None and (recorded := bounds(self._recorded(value)))
        ]
        parts: list[tuple[str, object]] = {
            "reason": [("rule", record.get("rule")), ("values", listed)],
            "score": [("score", record.get("name")), ("value", record.get("value")), ("items", listed)],
            "ignored": [("code", record.get("code")), ("why", record.get("reason"))],
        }[kind]
        parts.append(("reference", record.get("reference")))
        try:
            text = self.entry("list.clauses").join(
                self.entry(f"engine.hover.{part}").format(
                    value=self.joined(value) if isinstance(value, list) else bounds(self._recorded(value))
                )
                for part, value in parts
                if value not in (None, "", [])
            )
        except _FAILED:
            return None
        return text or None

    def model_hover(self, model: str, card_title: str | None) -> str | None:
        """The hover of a risk model's code: its card's title, in Chinese from ``model_card.<name>``
        (none for a model the catalogue does not know: its name is shown beside the code)."""
        if self.language == "en":
            return card_title or None
        return self.text.get(f"model_card.{model}")

    def _recorded(self, value: object) -> str:
        """A recorded value as the hover writes it: a number with at most one decimal, a flag as
        the catalogue's yes or no, text as the engine wrote it."""
        if isinstance(value, bool):
            return self.text.get("history.yes" if value else "history.no", str(value).lower())
        if isinstance(value, int | float):
            return number(value)
        return "-" if value is None else str(value)

    # --- notes, ignored readings and explanations ---------------------------------------------
    def note(self, text: str) -> str:
        return bounds(self.phrase(text, _NOTES))

    def named_item(self, item: str) -> str:
        """One item of a model's list ("age +1.22", "bmi=27", "heart_rate=75 /min"): its name as the
        page names it, and a unit after its value as the page shows it ("心率=75 次/分")."""
        item = _NAMED.sub(lambda m: self.label(m[1]), item, 1)
        head, _, unit = item.rpartition(" ")
        shown = self.text.get(f"score_detail.unit.{unit}") if head and "=" in head else None
        return item if shown is None else f"{head} {shown}"

    def reading_item(self, item: str) -> str:
        """One reading as a note lists it ("heart_rate 110 /min"): named, its value and unit as
        the readings table shows them ("心率 110 次/分"); a coded answer that says its reading whole
        (``reading.<code>.<answer>``: "supplemental oxygen", not "air or oxygen oxygen") by itself."""
        found = _NAMED.match(item)
        if found is None:
            raise ValueError(f"reading {item!r}")
        shown = item[found.end() :].strip()
        whole = self.text.get(f"reading.{found[1]}.{shown}")
        if whole is not None:
            return whole
        return f"{self.label(found[1])} {self.value(shown)}"

    def ignored(self, reading: Mapping[str, Any]) -> str:
        """Why an ignored reading (``ignored_observations``) was not used. A reading superseded by
        one from the same time as the page shows it (a monitor and an oximeter in the same second)
        says "from the same time" rather than "a later ... from <that same time>"."""
        detail = str(reading.get("detail") or "")
        found = phrases.IGNORED_SUPERSEDED.match(detail)
        seen = str(reading.get("observed_at") or "")
        if found is not None and clock(found["observed_at"], clinic=self.clinic) == clock(
            seen, clinic=self.clinic
        ):
            try:
                return self.entry("engine.ignored_superseded_same_time").format(
                    code=self.label(found["code"])
                )
            except _FAILED:
                pass
        return bounds(self.phrase(detail, phrases.IGNORED))

    def explanation(self, text: str) -> str:
        """A model explanation: "not scored" whole, a scored one clause by clause."""
        if phrases.NOT_SCORED.match(text) is not None:
            return bounds(self.phrase(text, (phrases.NOT_SCORED,)))
        body = text.removesuffix(".")
        try:
            end, sep = self.entry("list.end"), self.entry("list.clauses")
        except KeyError:
            return bounds(text)
        return bounds(
            sep.join(self.phrase(clause, phrases.CLAUSES) for clause in phrases.clauses(body)) + end
        )

    def phrase(self, text: str, candidates: tuple[Phrase, ...]) -> str:
        """``text`` through the first phrase it matches; unchanged when none does or the
        catalogue cannot render it."""
        for candidate in candidates:
            found = candidate.match(text)
            if found is None:
                continue
            try:
                template = self.entry(f"engine.{candidate.key}")
                return template.format_map({k: PhraseField(self, v) for k, v in found.items()})
            except _FAILED:
                return text
        return text

    # --- the scores table --------------------------------------------------------------------
    def score_name(self, name: str) -> str:
        """A score by name (``score.<name>``): published names kept, descriptive names translated."""
        return self.text.get(f"score.{name}", name)

    def score_value(self, score: Mapping[str, Any]) -> str:
        """A score's value with its unit; empty for none and for a grade (its band names it: the
        value is the grade's index, not a number a person reads)."""
        value, unit = score.get("value"), str(score.get("unit") or "")
        if not isinstance(value, int | float) or unit == "grade":
            return ""
        # a point score with items missing is a lower bound: "≥5 分", as its detail says
        at_least = "≥" if unit == "points" and score.get("complete") is False else ""
        # "1 point" ("unit.points_one"), not "1 points"; Chinese says 1 分 as 2 分
        # a risk as its detail says it (9.99 %, not 10 % beside "medium": triage.scores.risk_shown)
        risk = risk_shown(str(score.get("name")), value)
        shown = number(value) if risk is None else risk.removesuffix(".0")
        label = self.text.get("unit.points_one") if unit == "points" and shown == "1" else None
        return f"{at_least}{shown} {label or self.unit(unit)}".rstrip()

    def score_band(self, name: str, score: Mapping[str, Any]) -> str:
        """A score's band (``score.<name>.<band>``); kidney: its KDIGO GFR and albuminuria stages.
        A band the catalogue does not know is shown as the engine wrote it."""
        if name == "kidney":
            components = score.get("components") or {}
            stages = [components.get(k) for k in ("gfr_category", "albuminuria") if components.get(k)]
            if stages:
                sep = self.text.get("list.clauses", "; ")
                return sep.join(self.text.get(f"score.kidney.{stage}", str(stage)) for stage in stages)
        band = score.get("band")
        return "" if band is None else self.text.get(f"score.{name}.{band}", str(band))

    def score_detail(self, name: str, score: Mapping[str, Any]) -> str:
        """Why a score says what it says, comparators as a person writes them (see :meth:`_score_detail`)."""
        return bounds(self._score_detail(name, score))

    def _score_detail(self, name: str, score: Mapping[str, Any]) -> str:
        """Why a score says what it says (its ``detail``) from ``score_detail.<name>.<key>`` (else
        ``score_detail.<key>``) of the phrase the engine wrote it with, without the clause naming
        missing items (the band is marked incomplete, the missing readings are listed); the
        engine's English whole when no phrase matches or the template cannot be filled."""
        whole = str(score.get("detail") or "")
        # the limitation it ends with (a score computed where it is not validated), said last
        limit = phrases.not_validated(name, whole)
        text = whole if limit is None else whole.removesuffix("; " + limit.template)
        body, tail = text, phrases.INCOMPLETE.template.split("{", 1)[0]
        if tail in text:
            body = text[: text.index(tail)]
        for candidate in _SCORE_DETAILS.get(name, ()):
            found = candidate.match(body)
            if found is None:
                continue
            try:
                key = f"score_detail.{name}.{candidate.key}"
                template = self.text[key] if key in self.text else self.entry(f"score_detail.{candidate.key}")
                fields = {k: PhraseField(self, v, (name, score)) for k, v in found.items()}
                said = template.format_map(fields) + self._why_missing(text[len(body) :])
                if limit is not None:
                    said += self.entry("list.clauses") + self.entry(f"score_detail.{limit.key}")
                return said
            except _FAILED:
                return whole
        return whole

    def _why_missing(self, tail: str) -> str:
        """Why an item is missing, when the score's last clause says (a size pair not used:
        ``triage.phrases.INCOMPLETE_NOTED``), as a clause after its detail; else empty."""
        note = missing_note(self, tail)
        return self.entry("list.clauses") + note if note else ""
