"""`triage report imbalance --help` lists what it writes in --out, as `triage study rebuild --help`
does, and the list is what a run writes: the help named none of it (report.html, summary.json,
tables/, plots/ were in the docs alone)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from triage.cli import main


def _expanded(name: str) -> list[str]:
    """``tables/x.{csv,parquet}`` -> ``tables/x.csv``, ``tables/x.parquet``."""
    match = re.search(r"\{([^}]*)\}", name)
    if not match:
        return [name]
    return [
        expanded
        for part in match.group(1).split(",")
        for expanded in _expanded(name[: match.start()] + part + name[match.end() :])
    ]


def test_the_help_lists_every_file_a_run_writes(imbalance_run: tuple[int, Path, str, str]) -> None:
    code, out, _, _ = imbalance_run
    assert code == 0
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["report", "imbalance", "--help"]) == 0
    listed = stdout.getvalue().split("Writes in --out:", 1)[1].split("Examples:", 1)[0]
    # each file's line starts with its name (a description too long for the width wraps under it)
    names = [
        word
        for word in (line.split()[0] for line in listed.splitlines() if line.split())
        if re.match(r"(tables|plots)/|\w+\.(html|json)$", word)
    ]
    said = {path for name in names for path in _expanded(name)}
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert said == written


def test_the_list_of_files_does_not_wrap_on_an_80_column_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list's names were padded to the longest (plots/{local_share,...}.png, 53 characters), so on
    an 80-column terminal each description wrapped onto a line of its own, under the next name's
    place ('tables/tier_load.{csv,parquet}   load by tier against' / 'capacity')."""
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["report", "imbalance", "--help"]) == 0
    listed = capsys.readouterr().out.split("Writes in --out:", 1)[1].split("Examples:", 1)[0]
    lines = [line.strip() for line in listed.splitlines() if line.strip()]
    assert lines and all(re.match(r"(tables|plots)/|\w+\.(html|json) ", line) for line in lines), lines
    assert all(len(line.split("  ", 1)) == 2 for line in lines), lines  # a name, then what it is
