"""A count said with its noun in the right number, for every command's output.

``counted(1, "entries")`` is ``1 entry``: the noun is given in the plural (a table's name, such as
``referrals``, is one), and made singular for one. The referral log's commands and the regional
reports each had their own helper, one taking the singular and separating thousands, the other
the plural without separators; this is the one, in the bottom layer both packages import.
"""

from __future__ import annotations

#: Plurals in ``-ies`` whose singular ends in ``-ie``, not ``-y`` (``1 tie``, not ``1 ty``).
IE_SINGULARS = frozenset({"ties", "lies", "pies", "movies", "cookies", "calories"})


def counted(number: int, plural: str) -> str:
    """``1 entry``, ``2 entries``, ``1 facility``, ``1 tie``, ``20,000 encounters``: one log row had
    read "1 patients" and a tiny pool "pooled 1 encounters". ``-ies`` becomes ``-y`` for one (but
    :data:`IE_SINGULARS` drop the ``s``), else the final ``s`` is dropped; thousands are separated
    with commas."""
    if number == 1:
        last = plural.rsplit("_", 1)[-1].rsplit(" ", 1)[-1]
        if plural.endswith("ies") and last not in IE_SINGULARS:
            plural = plural[:-3] + "y"
        else:
            plural = plural.removesuffix("s")
    return f"{number:,} {plural}"


def listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: names said in a sentence."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"
