"""The CJK font Figure 7 names units with: matplotlib's default fonts have no CJK glyphs and
would draw empty boxes for "上海市"."""

from __future__ import annotations

import functools
from pathlib import Path

from matplotlib import font_manager

#: CJK font families matplotlib can draw Chinese place names with, in order of preference.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "droidsansfallback", "uming", "ukai")


@functools.cache
def cjk_font_family() -> str | None:
    """The first installed family of ``CJK_FAMILIES``, or None.

    matplotlib lists fonts from a cache built on its first run; a CJK font installed after that
    (as `make test` does) is missing from it, so font files whose names say CJK are registered.
    """

    def installed() -> str | None:
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    found = installed()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower().replace("-", "") for hint in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = installed()
    return found
