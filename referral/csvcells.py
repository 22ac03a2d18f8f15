"""Text cells of the product's CSV files, guarded against formula injection.

A CSV carries text that staff typed or devices sent (a reason, a facility name, a device string).
Excel and LibreOffice run a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (TAB
and CR too, which they skip before one): ``=HYPERLINK("http://x","y")`` in a reason becomes a
link, worse ones fetch or run things. Every CSV the product writes therefore passes its TEXT
cells through :func:`guard_cell`, which puts a single quote ``'`` in front of such a cell - the
usual guard: a spreadsheet shows the text as text. Numbers are never touched (a -3.2 written from
a numeric column stays the number -3.2), and neither is text that is a number and nothing else
(:data:`NUMBER_CELL`: ``-3.2``, ``-1.54e-05``, and a coefficient of the study's paper-layout tables
with its significance stars and standard error, ``-5.7100*** (0.5001)``): no spreadsheet runs a
function from it. Any other text is guarded, a cell that is only ``-`` too.

The guard is reversible, so the product reads its own files back unchanged (:func:`unguard_cell`;
:data:`GUARDED_SQL` for DuckDB): a cell is guarded when its first character after any leading
quotes is one of the trigger characters, so text that itself begins with ``'=`` gets one more
quote and comes back as it was. Documented in docs/analytics-export.md and docs/referral-log.md.
"""

from __future__ import annotations

import re
from typing import Any

#: The first characters a spreadsheet reads as the start of a formula.
FORMULA_TRIGGERS = "=+-@\t\r"
_NEEDS_GUARD = re.compile("'*[=+\\-@\t\r]")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
#: Text that is a number alone, left unguarded: a sign, digits, a decimal point and an exponent,
#: then optionally R's significance stars (``***``, ``**``, ``*`` or ``.``) and a standard error
#: in brackets after one space, as the study's ``table_*`` cells print a coefficient.
NUMBER_CELL = re.compile(rf"{_NUMBER}(?:\*{{1,3}}|\.)?(?: \({_NUMBER}\))?")
#: A DuckDB regular expression matching a guarded cell (the guard quote, then text that needed it).
GUARDED_SQL = "^''*[=+\\-@\\t\\r]"


def guard_cell(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs as a formula (``'`` in front when needed)."""
    return "'" + text if _NEEDS_GUARD.match(text) and not NUMBER_CELL.fullmatch(text) else text


def unguard_cell(cell: str) -> str:
    """The text :func:`guard_cell` was given for ``cell`` (its guard quote taken off)."""
    return cell[1:] if cell.startswith("'") and _NEEDS_GUARD.match(cell, 1) else cell


def guarded(value: Any) -> Any:
    """A value bound for a CSV cell: text guarded, anything else (a number, a boolean) as it is."""
    return guard_cell(value) if isinstance(value, str) else value


def unguarded(value: Any) -> Any:
    """A value read from a CSV cell: text as it was before :func:`guarded`, anything else as it is."""
    return unguard_cell(value) if isinstance(value, str) else value
