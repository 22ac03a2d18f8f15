"""A phrase field the staff pages matched in the engine's text (``triage.service.pages.engine_text``):
shown as matched, or converted by its format spec (``{field:codes}``, ``{field:time}`` ...) into
the user's language. Moved from engine_text.py, which fills every template with it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from triage import phrases
from triage.service.pages.clock import clock

if TYPE_CHECKING:
    from triage.service.pages.engine_text import EngineText

_KIDNEY_ESTIMATES = tuple(phrases.KIDNEY_ESTIMATE.values())
# a not-scored reason as the engine writes it, or as a stored assessment holds its former wording
_NOT_SCORED_REASONS = (*phrases.NOT_SCORED_REASONS, *phrases.STORED_NOT_SCORED_REASONS)
_ODDS = re.compile(r"(?P<one>\d+) in (?P<of>\d+)")  # FINDRISC's "about 1 in 3"


class PhraseField:
    """A matched phrase field: as matched, or converted by the format spec."""

    def __init__(self, owner: EngineText, value: str, score: tuple[str, Mapping[str, Any]] | None = None):
        self.owner, self.value, self.score = owner, value, score

    def _band(self) -> str:
        """The band of the score whose detail this field is in (``score.<name>.<band>``)."""
        name, score = self.score or ("", {})
        return self.owner.entry(f"score.{name}.{score.get('band')}")

    def _response(self) -> str:
        """The NEWS2 Chart 4 response and monitoring of the score's band."""
        _, score = self.score or ("", {})
        return self.owner.entry(f"detail.news2_response.{score.get('band')}")

    def _odds(self) -> str:
        """FINDRISC's "1 in 3" (``score_detail.odds``)."""
        found = _ODDS.fullmatch(self.value)
        if found is None:
            raise ValueError(f"odds {self.value!r}")
        return self.owner.entry("score_detail.odds").format(**found.groupdict())

    def _estimates(self) -> str:
        """Kidney's differing eGFRs ("laboratory 25, CKD-EPI 2021 from creatinine 30"), each by
        ``engine.kidney_estimate_<key>``; ``ValueError`` for an item no phrase matches (the detail
        is then shown as the engine wrote it, not half translated)."""
        items = []
        for item in self.value.split(", "):
            for phrase in _KIDNEY_ESTIMATES:
                found = phrase.match(item)
                if found is not None:
                    items.append(self.owner.entry(f"engine.{phrase.key}").format(**found))
                    break
            else:
                raise ValueError(f"eGFR estimate {item!r}")
        return self.owner.joined(items)

    def __format__(self, spec: str) -> str:
        owner, value = self.owner, self.value
        converters: dict[str, Callable[[], str]] = {
            "": lambda: value,
            "codes": lambda: owner.joined([owner.label(c) for c in value.split(", ")]),
            "label": lambda: owner.label(value),
            "model": lambda: owner.model_name(value),
            "named": lambda: owner.joined([owner.named_item(item) for item in value.split(", ")]),
            "text": lambda: owner.entry(f"engine.value.{value}"),
            "time": lambda: clock(value, clinic=owner.clinic),
            "reason": lambda: owner.phrase(value, _NOT_SCORED_REASONS),
            "clause": lambda: owner.phrase(value, phrases.CLAUSES),
            "readings": lambda: owner.joined([owner.reading_item(item) for item in value.split(", ")]),
            "news2": lambda: owner._score_detail("news2", {"detail": value}),
            "ranges": lambda: owner.joined(
                [owner.phrase(item, phrases.RANGE_ITEMS) for item in value.split(", ")]
            ),
            "estimates": self._estimates,
            "explanation": lambda: owner.explanation(value),
            "unit": lambda: owner.entry(f"score_detail.unit.{value}"),
            "band": self._band,
            "response": self._response,
            "odds": self._odds,
        }
        return converters[spec]()
