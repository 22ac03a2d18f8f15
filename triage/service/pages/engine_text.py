"""The engine's free text on the staff pages, in the user's language, rendered at display time.

The Assessment keeps English, the engine's language of record (API, stored JSON): nothing here
changes it. The pages show

- each reason's detail from the catalogue template ``rule_detail.<rule>``, filled from the
  reason's ``values`` (the inputs that fired the rule) and the readings the assessment used;
- notes, model reasons and model explanations by matching the engine's own phrasings
  (``triage.phrases``, the templates the engine writes them with) and filling ``engine.<key>``.

Whatever cannot be rendered completely - no template, a value the template needs is absent or
null, text no phrase matches - is shown as the engine wrote it, never half-filled.

Detail template fields (``str.format``): every key of ``values`` (numbers to one decimal at
most), with a conversion after the colon ``{key:text}`` (the catalogue's ``detail.<key>.<value>``)
and ``{code:reading}`` (the reading of that code as used: comparator, number, unit, as reported);
derived (``_DERIVED``): ``{at_least}`` and ``{incomplete}`` (a score with missing items is a lower
bound; ``{incomplete}`` names the readings it lacks), ``{bp}`` (``sbp/dbp``), ``{points}`` (NEWS2
points per parameter), ``{readings}`` (each reading named), ``{kidney}`` (eGFR, ACR, creatinine),
``{scores}`` (the risk scores that fired),
``{response}`` (the NEWS2 clinical response and monitoring of the assessment's NEWS2 band).
Phrase fields are the matched text, or with a conversion ``{field:codes}`` (a list of codes by
name), ``{field:label}``, ``{field:named}`` (a list whose items start with a name),
``{field:text}`` (``engine.value.<text>``), ``{field:reason}`` and ``{field:ranges}`` (nested
phrases), ``{field:explanation}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from triage import phrases
from triage.phrases import Phrase
from triage.scores.news2 import PARAMETERS as NEWS2_PARAMETERS
from triage.service.i18n import catalogue_data
from triage.vocabulary import CONCEPTS

_SCORE_NAMES = {"cdrs": "CDRS", "findrisc": "FINDRISC"}
_NAMED = re.compile(r"^([A-Za-z0-9_]+)")  # the name an item of a list starts with ("age +1.22", "bmi=27")
_FAILED = (KeyError, ValueError, IndexError, TypeError)


def number(value: float) -> str:
    """A number as the pages show a rule's value: at most one decimal, none when whole."""
    text = "%.1f" % value  # noqa: UP031
    return text[:-2] if text.endswith(".0") else text


class EngineText:
    """One assessment's engine text in ``language``; build one per page (``payload`` is the
    stored Assessment as a dict)."""

    def __init__(self, language: str, payload: Mapping[str, Any] | None = None):
        self.text: dict[str, str] = catalogue_data(language)
        payload = payload or {}
        self.observations = {o["code"]: o for o in payload.get("observations_used") or ()}
        self.scores: Mapping[str, Any] = payload.get("scores") or {}

    # --- helpers -----------------------------------------------------------------------------
    def _key(self, key: str) -> str:
        return self.text[key]  # KeyError when the catalogue lacks it: the caller falls back

    def _join(self, items: Iterator[str] | list[str]) -> str:
        return self._key("list.sep").join(items)

    def label(self, code: str) -> str:
        """An observation code or model feature by name (``name.<code>``); the code itself when
        the catalogue has none."""
        return self.text.get(f"name.{code}", code)

    def unit(self, ucum: str) -> str:
        return self.text.get(f"unit.{ucum}", ucum)

    def reading(self, code: str, value: object = None) -> str:
        """The reading of ``code`` the assessment used, as a person reads it; ``value`` (the
        reason's own) when the assessment has none."""
        o = self.observations.get(code)
        if o is None:
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return f"{number(value)} {self.unit(CONCEPTS[code].unit)}"
            raise KeyError(code)
        value = o.get("value")
        if isinstance(value, str):
            return self.text.get(f"detail.answer.{value}", value)
        if not isinstance(value, int | float):
            raise KeyError(code)
        op = o.get("comparator") or ""
        shown = f"{op}{value:.4g} {self.unit(o['unit'])}"
        reported, reported_unit = o.get("reported_value"), o.get("reported_unit")
        if reported is not None and reported_unit is not None:
            shown += self._key("detail.reported").format(value=f"{op}{reported:g} {self.unit(reported_unit)}")
        return shown

    # --- reasons -----------------------------------------------------------------------------
    def detail(self, reason: Mapping[str, Any]) -> str:
        """A reason's detail in the page's language; the engine's English when it cannot be filled."""
        try:
            return self.rule_detail(reason)
        except _FAILED:
            return str(reason.get("detail") or "")

    def rule_detail(self, reason: Mapping[str, Any]) -> str:
        """A reason's detail from its catalogue template; ``KeyError`` (or ``ValueError``...) when
        the template or a value it needs is missing. A model reason's detail is a phrase."""
        rule = str(reason.get("rule") or "")
        if rule.startswith("model:"):
            return self.phrase(str(reason.get("detail") or ""), (phrases.MODEL_REASON,))
        template = self._key(f"rule_detail.{rule}")
        return template.format_map(_DetailFields(self, reason.get("values") or {}))

    # --- notes and explanations --------------------------------------------------------------
    def note(self, text: str) -> str:
        return self.phrase(text, phrases.NOTES)

    def explanation(self, text: str) -> str:
        """A model explanation: "not scored" whole, a scored one clause by clause."""
        if phrases.NOT_SCORED.match(text) is not None:
            return self.phrase(text, (phrases.NOT_SCORED,))
        body = text.removesuffix(".")
        try:
            end, sep = self._key("list.end"), self._key("list.clauses")
        except KeyError:
            return text
        return sep.join(self.phrase(clause, phrases.CLAUSES) for clause in phrases.clauses(body)) + end

    def phrase(self, text: str, candidates: tuple[Phrase, ...]) -> str:
        """``text`` through the first phrase it matches; unchanged when none does or the
        catalogue cannot render it."""
        for candidate in candidates:
            found = candidate.match(text)
            if found is None:
                continue
            try:
                template = self._key(f"engine.{candidate.key}")
                return template.format_map({k: _PhraseField(self, v) for k, v in found.items()})
            except _FAILED:
                return text
        return text


class _PhraseField:
    """A matched phrase field: as matched, or converted by the format spec."""

    def __init__(self, owner: EngineText, value: str):
        self.owner, self.value = owner, value

    def __format__(self, spec: str) -> str:
        owner, value = self.owner, self.value
        converters: dict[str, Callable[[], str]] = {
            "": lambda: value,
            "codes": lambda: owner._join([owner.label(c) for c in value.split(", ")]),
            "label": lambda: owner.label(value),
            "named": lambda: owner._join(
                [_NAMED.sub(lambda m: owner.label(m[1]), item, 1) for item in value.split(", ")]
            ),
            "text": lambda: owner._key(f"engine.value.{value}"),
            "reason": lambda: owner.phrase(value, phrases.NOT_SCORED_REASONS),
            "ranges": lambda: owner._join(
                [owner.phrase(item, (phrases.RANGE_ITEM,)) for item in value.split(", ")]
            ),
            "explanation": lambda: owner.explanation(value),
        }
        return converters[spec]()


_DERIVED = frozenset({"at_least", "incomplete", "bp", "points", "readings", "kidney", "scores", "response"})


class _DetailFields:
    """The fields a ``rule_detail.<rule>`` template may use, computed when it asks for them."""

    def __init__(self, owner: EngineText, values: Mapping[str, Any]):
        self.owner, self.given = owner, values

    def __getitem__(self, name: str) -> Any:
        if name in _DERIVED and name not in self.given:
            return getattr(self, f"_{name}")()
        value = self.given[name]
        if value is None:
            raise KeyError(name)
        return _DetailValue(self.owner, name, value)

    def _complete(self) -> bool:
        return self.given.get("complete") is not False

    def _at_least(self) -> str:
        return "" if self._complete() else self.owner._key("detail.at_least")

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
        return self.owner._key("detail.incomplete").format(missing=listed)

    def _pressure(self, code: str) -> str:
        value = self.given.get(code)
        if value is None:
            return "?"
        o = self.owner.observations.get(code)
        return f"{(o or {}).get('comparator') or ''}{number(value)}"

    def _bp(self) -> str:
        return f"{self._pressure('sbp')}/{self._pressure('dbp')}"

    def _points(self) -> str:
        points = self.owner._key("detail.points")
        return self._listed(
            [
                points.format(label=self.owner.label(k), points=v)
                for k, v in self.given.items()
                if k in NEWS2_PARAMETERS and isinstance(v, int)
            ]
        )

    def _listed(self, items: list[str]) -> str:
        """``items`` as a list in the page's language; an empty one leaves the template unfilled."""
        if not items:
            raise KeyError("an empty list")
        return self.owner._join(items)

    def _readings(self) -> str:
        return self._listed(
            [
                f"{self.owner.label(k)} {self.owner.reading(k, v)}"
                for k, v in self.given.items()
                if k in CONCEPTS
            ]
        )

    def _kidney(self) -> str:
        parts = [
            self.owner._key(f"detail.{key}").format(value=number(self.given[key]))
            for key in ("egfr", "acr", "creatinine")
            if self.given.get(key) is not None
        ]
        if not parts:
            raise KeyError("kidney")
        return self.owner._key("list.clauses").join(parts)

    def _response(self) -> str:
        """The NEWS2 Chart 4 clinical response and monitoring of the assessment's NEWS2 band
        (``detail.news2_response.<band>``)."""
        band = (self.owner.scores.get("news2") or {}).get("band")
        return self.owner._key(f"detail.news2_response.{band}")

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
            return self.owner._key(f"detail.{self.name}.{value}")
        if spec == "reading":
            return self.owner.reading(self.name, value)
        if spec:
            raise ValueError(f"unknown conversion {spec!r}")
        if isinstance(value, bool):
            raise ValueError(f"{self.name} is a flag, not text")
        if isinstance(value, int | float):
            return number(value)
        return str(value)
