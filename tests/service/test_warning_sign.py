"""Every warning sign (⚠, U+26A0) on the staff pages is asked for in its text presentation
(U+26A0 U+FE0E): the queue's emergency badge had the emoji form (U+FE0F), the urgent badge the
plain one, so on a tablet the emergency one could show as a colour emoji and the other as text."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import triage.service

SERVICE = Path(triage.service.__file__).parent
TEXT_PRESENTATION = "\u26a0\ufe0e"


def _signs(text: str) -> list[str]:
    """Each ⚠ in ``text`` (HTML character references resolved) with the character after it."""
    return re.findall("\u26a0.?", html.unescape(text), flags=re.S)


def test_every_warning_sign_in_the_templates_and_catalogues_is_the_text_presentation() -> None:
    seen: dict[str, list[str]] = {}
    for path in sorted((SERVICE / "templates").glob("*.html")):
        seen[path.name] = _signs(path.read_text(encoding="utf-8"))
    for path in sorted((SERVICE / "messages").glob("*.json")):
        catalogue = json.loads(path.read_text(encoding="utf-8"))
        for key, value in catalogue.items():
            seen[f"{path.name} {key}"] = _signs(value)
    assert sum(map(len, seen.values())) >= 10, "the templates' warning signs were found"
    wrong = {where: signs for where, signs in seen.items() if any(s != TEXT_PRESENTATION for s in signs)}
    assert not wrong, f"a warning sign not written U+26A0 U+FE0E (&#9888;&#65038;): {wrong}"
