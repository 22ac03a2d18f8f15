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

from markupsafe import Markup, escape

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
        """The text of ``key`` with ``values`` filled in. A value that is already HTML (a
        :class:`~markupsafe.Markup`, such as an identifier kept whole, ``pages.rendering.ident``)
        makes the whole text HTML: the catalogue's text and the other values are escaped."""
        template = catalogue_data(self.language).get(key) or catalogue_data("en").get(key) or key
        if any(isinstance(value, Markup) for value in values.values()):
            return escape(template).format(**values)
        return template.format(**values) if values else template

    __call__ = text


def catalogue(language: str | None, default: str = "zh") -> Catalogue:
    return Catalogue(language if language in LANGUAGES else default)
