"""Each key of the pages' catalogues is written once. JSON allows a key twice and Python keeps the
last, so a copy that differs changes a text unseen, and test_i18n (which reads the loaded dict)
cannot see it: ``login.failed_changed`` went into en.json and zh.json twice (9fff9659)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.service.i18n import LANGUAGES

FOLDER = Path(__file__).resolve().parents[2] / "triage" / "service" / "messages"


def _keys_twice(text: str) -> list[str]:
    twice: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                twice.append(key)
            seen.add(key)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return twice


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_key_is_written_once(language: str) -> None:
    assert _keys_twice((FOLDER / f"{language}.json").read_text(encoding="utf-8")) == []


def test_a_key_written_twice_is_found() -> None:
    assert _keys_twice('{"a": "1", "b": "2", "a": "1"}') == ["a"]
