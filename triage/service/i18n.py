"""Interface text in English and Chinese, chosen per user (``users.language``).

Catalogues are flat JSON files in ``messages/`` (``en.json``, ``zh.json``) with the same keys;
``tests/service/test_i18n.py`` checks that. A missing key is a bug, so :meth:`Catalogue.text`
falls back to English and then to the key itself rather than failing a clinic page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "zh")
_FOLDER = Path(__file__).with_name("messages")


@cache
def catalogue_data(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_FOLDER / f"{language}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Catalogue:
    language: str

    def text(self, key: str, **values: Any) -> str:
        template = catalogue_data(self.language).get(key) or catalogue_data("en").get(key) or key
        return template.format(**values) if values else template

    __call__ = text


def catalogue(language: str | None, default: str = "zh") -> Catalogue:
    return Catalogue(language if language in LANGUAGES else default)
