"""comparison_with_paper keeps the paper's coefficients as printed, the CSV and the page alike."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from analytics.study.comparison import PAPER_FIGURES, paper_figures
from analytics.study.rebuild import RebuildResult, _comparison_shown


@pytest.fixture(scope="module")
def out(embedded_rebuild: tuple[RebuildResult, list[str]]) -> Path:
    """The --out folder of the session's one rebuild of the embedded dataset (conftest)."""
    return embedded_rebuild[0].out


def _printed_in_json(frame: str, term: str) -> str:
    """The coefficient's digits as paper-figures.json writes them (the paper's print)."""
    text = PAPER_FIGURES.read_text(encoding="utf-8")
    block = text[text.index(f'"{frame}"') :]
    found = re.search(rf'"{re.escape(term)}":\s*\{{"coef":\s*([-0-9.]+)', block)
    assert found, (frame, term)
    return found.group(1)


def test_the_papers_coefficients_keep_their_printed_digits_in_the_csv_and_on_the_page(out: Path) -> None:
    """The national GDP coefficient, printed 0.0000 (significantly positive, p < 0.001), was
    stored as 0.0: the CSV read "paper 0.0, p<0.001", a value the paper never printed. paper_printed
    holds each value with the digits the paper prints; the page shows the same text."""
    with (out / "comparison_with_paper.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    gdp = next(r for r in rows if (r["frame"], r["term"]) == ("national", "nodeicov.GDP"))
    assert gdp["paper_printed"] == "0.0000" and gdp["paper_p"] == "<0.001"
    for row in rows:
        printed = _printed_in_json(row["frame"], row["term"])
        assert row["paper_printed"] == printed, row
        assert float(row["paper_coef"]) == float(printed)  # the number, for arithmetic
    page = (out / "report.html").read_text(encoding="utf-8")
    table = page[page.index("paper_<wbr>printed") :]
    table = table[: table.index("</table>")]
    cells = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    shown = {(c[0], c[1]): c for c in cells if len(c) > 2}
    header = re.findall(
        r"<th>(.*?)</th>", page[page.rindex("<thead>", 0, page.index("paper_<wbr>printed")) :]
    )
    column = [h.replace("_<wbr>", "_") for h in header].index("paper_printed")
    for row in rows:
        assert shown[(row["frame"], row["term"])][column] == row["paper_printed"], row


def test_the_papers_standard_errors_are_kept_as_printed_in_the_files(out: Path) -> None:
    """paper_se was the number (0.1048 as a float in the Parquet file and --json) beside
    paper_printed's text: the paper's standard errors are now its printed text too, empty where
    it prints none."""
    printed = paper_figures(printed=True)
    table = pd.read_parquet(out / "comparison_with_paper.parquet")
    assert len(table)
    for row in table.to_dict("records"):
        se = printed[row["frame"]]["model3"][row["term"]].get("se")
        assert pd.isna(row["paper_se"]) if se is None else row["paper_se"] == se, row
    culprox = table[(table["frame"] == "zhejiang") & (table["term"] == "edgecov.CulProx")]
    assert culprox["paper_se"].tolist() == ["0.1048"]


def test_the_page_shows_the_papers_standard_error_as_printed() -> None:
    """The page re-wrote paper_se with four decimals: a standard error printed 0.10 read 0.1000,
    digits the paper never printed."""
    comparison = pd.DataFrame(
        [
            {
                "frame": "zhejiang",
                "term": term,
                "paper_coef": -0.25,
                "paper_printed": "-0.25",
                "paper_p": "<0.05",
                "paper_se": se,
                "paper_source": "paper",
                "rebuilt_coef": -0.2612345,
                "rebuilt_se": 0.1012345,
                "rebuilt_p": 0.012,
                "rebuilt_from": "rebuild",
                "same_sign": True,
                "same_significance": True,
                "paper_in_rebuilt_ci95": True,
                "difference_se": -0.11,
                "reproduced": True,
                "verdict": "reproduced",
            }
            for term, se in (("edgecov.CulProx", "0.10"), ("nodeicov.HTH", None))
        ]
    )
    shown = _comparison_shown(comparison)
    assert shown["paper_se"].tolist() == ["0.10", ""]
    assert shown["rebuilt_se"].tolist() == ["0.1012", "0.1012"]
