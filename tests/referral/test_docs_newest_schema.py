"""The docs' upgrade examples name the newest schema this version has (``MIGRATIONS``): an
administrator compares them with what their own upgrade printed. They said "schema 24" and
"0024_..." after 0025_api_token_expiry was added, and "to schema 23" beside "needs 24"."""

from __future__ import annotations

import re
from pathlib import Path

from referral.migrations import MIGRATIONS

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: The phrases of the newest schema in the messages the docs quote: the number, or its migration.
NEWEST = (
    re.compile(
        r"to schema (\d+) \((?:(\d{4})_|\.\.\.\))"
    ),  # serve's "upgraded from schema 17 (...) to schema N (...)"
    re.compile(r"this version needs (\d+) \((\d{4})_"),  # a reading command on an older log
    re.compile(r"was not upgraded to (\d{4})_"),  # the upgrade whose backup could not be written
    re.compile(r"\(schema (\d{4})_"),  # serve's ready line
    re.compile(r"applied (\d+) migrations? \("),  # migrate on a new log
)


def test_the_docs_examples_name_the_newest_schema() -> None:
    names = [migration.name for migration in MIGRATIONS._migrations]
    newest = len(names)
    assert names[-1].startswith(f"{newest:04d}_"), names[-1]
    found = []
    for page in sorted(DOCS.glob("*.md")):
        text = re.sub(r"\s+", " ", page.read_text(encoding="utf-8"))  # examples wrap across lines
        for pattern in NEWEST:
            for match in pattern.finditer(text):
                found.append((page.name, match[0]))
                assert {int(n) for n in match.groups() if n} == {newest}, (page.name, match[0])
        for named in re.findall(r"\(schema (\d{4}_[a-z_]+)\)", text):
            assert named == names[-1], (page.name, named)
    assert len(found) >= 6, found  # every phrase above is still quoted somewhere
