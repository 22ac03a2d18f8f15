"""A facility the directory lacks has its directory values said as such on the report's page:
its name, tier, location, beds and capacity (never suppressed: they are no counts) read
"suppressed/-", as if a small count had been withheld - a hospital's name too -, on a pool whose
exports came without their facilities table. Now "n/a (not in the facility directory)", and the
load ratio that would divide a published count by an unknown capacity says it too."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.render import NOT_IN_DIRECTORY
from tests.analytics.reports.conftest import bare_table
from triage.cli import main


def _page_table(page: str, section: str) -> pd.DataFrame:
    """The first table under the page's ``section`` heading, every cell as the page shows it."""
    part = page[page.index(f"<h2>{section}</h2>") :]
    part = part[: part.index("<h2>", 5)]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)
    cells = [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)
        ]
        for r in rows
    ]
    return pd.DataFrame(cells[1:], columns=cells[0])


def test_values_of_facilities_not_in_the_directory_are_not_said_suppressed(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = bare_table(generated, tmp_path)  # no manifest, no facilities table: no directory at all
    assert main(["report", "imbalance", "-i", str(bare), "-o", str(tmp_path / "r"), "-q"]) == 0
    capsys.readouterr()
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    hospitals = _page_table(page, "Referral network")
    assert len(hospitals)
    for column in ("name", "tier", "region_code", "lon", "lat", "beds", "capacity"):
        assert set(hospitals[column]) == {NOT_IN_DIRECTORY}, column
    published = pd.read_csv(tmp_path / "r" / "tables" / "hospital_centrality.csv")
    # a referral count withheld still says so, and only where the file's cell is empty
    assert (hospitals["referrals"] == "suppressed/-").tolist() == published["referrals"].isna().tolist()
    load = _page_table(page, "Load by tier against capacity")
    assert set(load["capacity_per_day"]) == {NOT_IN_DIRECTORY} and set(load["beds"]) == {NOT_IN_DIRECTORY}
    shown = load["patients"] != "suppressed/-"
    assert (load["load_vs_capacity (%)"][shown] == NOT_IN_DIRECTORY).all()
    primary = load["tier"] == "primary"
    assert set(load["patients_per_100_beds"][primary]) == {"n/a (clinic encounters are visits, not bed use)"}
    assert (load["patients_per_100_beds"][~primary & shown] == NOT_IN_DIRECTORY).all()


def test_a_directory_that_knows_every_facility_shows_its_values(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    code, out, _, _ = imbalance_run
    assert code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    hospitals = _page_table(page, "Referral network")
    load = _page_table(page, "Load by tier against capacity")
    assert NOT_IN_DIRECTORY not in set(hospitals.to_numpy().ravel()) | set(load.to_numpy().ravel())
    # counts stay whole numbers: 1500 beds, not 1500.000
    for column in (hospitals["beds"], hospitals["capacity"], load["beds"], load["capacity_per_day"]):
        assert all(re.fullmatch(r"\d+", value) for value in column), column.tolist()
