"""No page words a quirk the gateway accepts without a profile switch (``ACCEPTED_QUIRKS`` in
devices/tolerance.py: an ASTM frame checksum in lowercase hex, read by default since 26d25eae) as
one a switch governs. docs/device-gateway.md's ``simulate --trace`` paragraph still listed "a
lowercase checksum" among the capture's link quirks whose "profile's switches ... do not fire".
Each sentence of a page (outside code blocks) that names such a quirk and a switch must say it
needs none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devices.tolerance import ACCEPTED_QUIRKS
from tests.docs.test_docs_options import PAGES, REPO

#: How the pages name each accepted quirk, in words or by its old switch's name.
NAMES = {"lowercase_checksum": ("lowercase checksum", "lowercase_checksum", "checksum in lowercase")}
#: Words that say no switch is needed (test names count, their underscores read as spaces).
NONE_NEEDED = re.compile(
    r"no switch|without a switch|no profile switch|needs no|no longer needed|read by default"
    r"|read as the same value",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
#: A paragraph, list item or table row starts at a blank line or at a line starting so.
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:\d+\.|[*|-]) )")
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z`(])")


def _sentences(text: str) -> list[str]:
    blocks = _BLOCK.split(_FENCE.sub("\n\n", text))
    return [s for block in blocks for s in _SENTENCE_END.split(" ".join(block.split()))]


def test_every_accepted_quirk_has_its_names() -> None:
    assert set(NAMES) == set(ACCEPTED_QUIRKS)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_page_says_an_accepted_quirk_needs_a_switch(page: Path) -> None:
    wrong = [
        sentence
        for sentence in _sentences(page.read_text(encoding="utf-8"))
        for quirk in ACCEPTED_QUIRKS
        if any(name in sentence.lower() for name in NAMES[quirk])
        and "switch" in sentence.lower()
        and not NONE_NEEDED.search(sentence.replace("_", " "))
    ]
    assert not wrong, wrong
