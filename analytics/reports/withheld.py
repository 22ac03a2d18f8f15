"""How a rejection line shows a rejected cell to the regional analyst: where and what, not who.

A code, a number or a date is quoted (``"send_home"``, ``"2024-13-45"``, ``"ZJ-C01"``). Free text
- a ``referral_status`` of ``declined by Dr Wang Fang`` typed in another system - is withheld with
its length. So is a lone word of lowercase letters (``wang``, ``zhangwei``: a pinyin name reads
like a code), unless it is a word the analyst can use that names no one: a near miss of one of its
column's codes (``refered``, ``arived``), any code of the export's vocabularies (``emergency`` in
the wrong column) or a common placeholder (``unknown``, ``null``, ``none``). The clinic finds a
withheld cell by its file and line. Pure: no database, no files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics.reports.schema import ALLOWED_VALUES, TIERS
from referral.errors import json_text

#: A cell shown as it is: ASCII without spaces, capitals only beside a digit.
_CODE = re.compile(r"[a-z0-9_.:;+/-]{0,40}|(?=.*[0-9])[A-Za-z0-9_.:;+/-]{1,40}")
_WORD = re.compile(r"[a-z]+")

#: Lone words shown wherever they are: the export's codes and the words a system writes for
#: "no value" or a yes/no - none of them a name.
KNOWN_WORDS = frozenset(
    {word for values in (*ALLOWED_VALUES.values(), TIERS) for code in values for word in code.split("_")}
    | {"na", "nan", "null", "none", "nil", "unknown", "missing", "empty", "blank", "pending", "tbd"}
    | {"yes", "no", "true", "false", "y", "n", "t", "f"}
)


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``."""
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            best = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, row = row, current
    return row[-1]


def near_code(word: str, codes: Sequence[str]) -> bool:
    """``word`` is a typo of a code: one edit from it (two from a code of 6 characters or more),
    with or without the code's underscores (``sendhome``)."""
    for code in codes:
        limit = 2 if len(code) >= 6 else 1
        if min(_distance(word, code), _distance(word, code.replace("_", ""))) <= limit:
            return True
    return False


def _as_code(text: str) -> str:
    """``text`` written as a code is: lower case, words joined by underscores."""
    return "_".join(text.lower().split())


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def shown_value(value: object, codes: Sequence[str] = ()) -> str:
    """A rejected cell as a rejection line shows it: quoted (JSON) when it names no one, else withheld.

    ``codes`` are the allowed values of the cell's column when it has a closed vocabulary: a near
    miss of one of them is shown (the analyst sees the typo), also in other case or spacing
    (``Tertiary``, ``tertiary ``, ``Urgent referral``); any other lone word is withheld.
    """
    text = str(value)
    if value is not None and _number(text):  # "Infinity", "nan", "1E5": a number names no one
        return json_text(text)
    if value is not None and codes and len(text) <= 40 and near_code(_as_code(text), codes):
        return json_text(value)  # a code in other case or spacing: "Tertiary", "tertiary ", "Urgent referral"
    if value is not None and not _CODE.fullmatch(text):
        return f"withheld: free text of {len(text)} characters, not a code (it may name a person)"
    if value is not None and _WORD.fullmatch(text) and text not in KNOWN_WORDS and not near_code(text, codes):
        what = "not one of its column's codes" if codes else "not a code or a placeholder"
        return f"withheld: one word of {len(text)} lowercase letters, {what} (it may be a name)"
    return json_text(value)
