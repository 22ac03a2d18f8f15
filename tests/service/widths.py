"""A staff page laid out at every width of a sweep in a real Chromium, for a few viewport changes.

A sweep's cost was a viewport change per width (a round trip to the browser, a new layout and a
repaint) and a measure. Between two of app.css's width breakpoints (its ``@media`` rules: a band)
every width lays a page out by the same rules, so there the page is laid out at a width by giving
its root element that width inside a viewport of the band, the widths of a band in one call.
That is the page at that width only where no length depends on the viewport itself, and app.css
has one that does (``.pinned``'s ``100vw``, a row kept in view in a table scrolled sideways): so
every band is laid out in a real viewport at both its edges (each breakpoint on both sides) and at
the widths a test asks for, and at each of these but a band's widest the layout of every element
of the page, and what the probe read, simulated inside the next wider viewport is compared with
the real one - a sweep whose simulation would not be the page fails, saying where. Container
queries (the readings' region) follow the width given, as they follow a viewport's.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CSS = Path(__file__).resolve().parents[2] / "triage" / "service" / "static" / "app.css"

#: where a page is laid out by other rules: the first width (CSS px) of each band, read from app.css's
#: ``@media`` width conditions (``max-width: 40rem`` holds up to 640 px, so 641 starts a band; a rem
#: is the browser's 16 px, app.css setting no root font size)
BREAKPOINTS = sorted(
    {
        math.floor(value) + 1 if side == "max" else math.ceil(value)
        for side, number, unit in re.findall(
            r"\((min|max)-width:\s*([\d.]+)(px|rem)\)",
            " ".join(re.findall(r"@media[^{]*", CSS.read_text(encoding="utf-8"))),
        )
        for value in [float(number) * (16 if unit == "rem" else 1)]
    }
)

#: every element of the page and its box, to compare a simulated layout with a real one
LAYOUT = """() => [...document.body.querySelectorAll('*')].map((el) => {
  const box = el.getBoundingClientRect();
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + [box.left, box.top, box.width, box.height]
    .map((v) => Math.round(v * 100) / 100).join(' ');
})"""

#: :data:`LAYOUT` in one number (FNV-1a of its text): what is compared, the layout itself read only
#: to say where it differs
DIGEST = f"""() => {{
  let hash = 0x811c9dc5;
  for (const char of ({LAYOUT})().join('\\n')) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}}"""


@dataclass(frozen=True)
class Width:
    px: int
    #: laid out in a viewport of this width (a test may measure more of the page there); otherwise
    #: the root element had this width inside a wider viewport of the same band
    real: bool
    #: what the probe answered
    found: Any


def _simulated(probe: str) -> str:
    """A function of (widths, whether the layout is read at the viewport's own width): ``probe``
    answered at the viewport's own width, then with the root element at each of the widths in turn,
    the layout's digest read at the first of them."""
    return f"""([widths, digest]) => {{
  const root = document.documentElement;
  const out = {{real: [({probe})(), digest ? ({DIGEST})() : null], simulated: [], digest: null}};
  try {{
    for (const width of widths) {{
      root.style.width = width + 'px';
      out.simulated.push([width, ({probe})()]);
      if (out.digest === null) out.digest = ({DIGEST})();
    }}
  }} finally {{
    root.style.width = '';
  }}
  return out;
}}"""


def _band(width: int) -> int:
    return sum(1 for start in BREAKPOINTS if start <= width)


def swept(
    page: Any, probe: str, widths: Iterable[int], *, real: Iterable[int] = (), height: int = 900
) -> Iterator[Width]:
    """``probe`` (a JavaScript function of no argument, as text, that reads the page's layout and
    nothing of the viewport) answered at each of ``widths``, at each breakpoint between them on both
    sides and at each of ``real``: these laid out in a viewport of their width, the widths between
    two of them simulated in one call (see the module's text). While a real width is yielded the page
    is laid out in a viewport of that width. Fails where a simulated layout, or what the probe
    answered, differs from the real one at the same width."""
    wanted = set(widths) | set(real)
    low, high = min(wanted), max(wanted)
    edges = {width for start in BREAKPOINTS if low < start <= high for width in (start - 1, start)}
    actual = set(real) | edges | {low, high}
    for band in sorted({_band(width) for width in wanted | edges}):
        laid = sorted(width for width in wanted | edges if _band(width) == band)
        reals = [width for width in laid if width in actual]
        page.set_viewport_size({"width": reals[0], "height": height})
        measured = page.evaluate(f"(digest) => [({probe})(), digest ? ({DIGEST})() : null]", len(reals) > 1)
        yield Width(reals[0], True, measured[0])
        for before, width in itertools.pairwise(reals):
            page.set_viewport_size({"width": width, "height": height})
            between = [before, *(w for w in laid if before < w < width)]
            answer = page.evaluate(_simulated(probe), [between, width != reals[-1]])
            if [answer["simulated"][0][1], answer["digest"]] != measured:
                _differs(page, probe, before, width, height)
            for simulated, found in answer["simulated"][1:]:
                yield Width(simulated, False, found)
            measured = answer["real"]
            yield Width(width, True, measured[0])


def _differs(page: Any, probe: str, at: int, inside: int, height: int) -> None:
    """Fails saying how the page laid out at ``at`` px in a real viewport and simulated inside a
    viewport of ``inside`` px differ (the viewport is left at ``inside``)."""
    read = f"() => [({probe})(), ({LAYOUT})()]"
    page.set_viewport_size({"width": at, "height": height})
    real = page.evaluate(read)
    page.set_viewport_size({"width": inside, "height": height})
    simulated = page.evaluate(
        f"(width) => {{ const root = document.documentElement; root.style.width = width + 'px';"
        f" try {{ return ({read})(); }} finally {{ root.style.width = ''; }} }}",
        at,
    )
    differs = [f"{r} (simulated: {s})" for r, s in zip(real[1], simulated[1], strict=False) if r != s]
    raise AssertionError(
        f"the page at {at} px is not laid out as at {at} px inside a viewport of {inside} px, so the"
        f" widths between them cannot be simulated: the probe answered {real[0]!r} (simulated:"
        f" {simulated[0]!r}); {len(real[1])} elements ({len(simulated[1])} simulated), these differ:"
        f" {differs[:6]}"
    )
