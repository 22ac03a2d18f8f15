"""What the docs point a reader to is there: each repository path a page names in backticks
(`tests/admin/test_port_zero.py`, `triage/cli/serve.py`, `referral/data/demo_facilities.csv`) and
each test it names by function (`tests/x.py::test_y`, and docs/devices-checklist.md's
`codecs/test_astm_link.py::test_...`, under tests/devices/). About 120 test ids and several hundred
paths are named; a test or module renamed leaves the page pointing at nothing, and only README.md's
paths were checked (tests/unit/test_readme.py). Paths with a pattern in them (`*`, `<name>`,
`{csv,parquet}`) name several files and are not looked up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.test_docs_options import PAGES, REPO

TOP = (
    "docs",
    "scripts",
    "examples",
    "bench",
    "triage",
    "referral",
    "devices",
    "analytics",
    "models",
    "tests",
)
PATH = re.compile(rf"`((?:{'|'.join(TOP)})/[\w./-]*?)(?:::(\w+))?`")
#: docs/devices-checklist.md names its tests from tests/devices/ ("`file::function`")
CHECKLIST = re.compile(r"`((?:codecs|gateway|traces|transports|ble)/[\w/]+\.py)::(\w+)`")


def _named() -> list[tuple[str, Path, str | None]]:
    named = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        where = str(page.relative_to(REPO))
        named += [(where, REPO / path, function) for path, function in PATH.findall(text)]
        if page.name == "devices-checklist.md":
            named += [
                (where, REPO / "tests" / "devices" / path, function)
                for path, function in CHECKLIST.findall(text)
            ]
    return named


NAMED = _named()


def test_the_pages_name_paths_and_tests() -> None:
    assert len(NAMED) > 300
    assert sum(function is not None for _, _, function in NAMED) > 100


@pytest.mark.parametrize("page", sorted({where for where, _, _ in NAMED}))
def test_every_path_and_test_a_page_names_is_there(page: str) -> None:
    missing = []
    for where, path, function in NAMED:
        if where != page:
            continue
        if not path.exists():
            missing.append(str(path.relative_to(REPO)))
        elif function and not re.search(
            rf"^\s*(?:async )?def {function}\b", path.read_text(encoding="utf-8"), re.M
        ):
            missing.append(f"{path.relative_to(REPO)}::{function}")
    assert not missing, f"{page} names what is not there: {sorted(set(missing))}"
