"""region_month's urgent_median_hours named a median and not how many referrals it was taken over:
the page's table said `urgent_median_hours 5.000` with nothing tying it to a count, so a median of 5
arrivals read as one of 500. It is the median of the row's `urgent_arrived` referrals (the engines'
percentile_cont over the urgent referrals' hours to arrival, nulls left out: the same rows
`urgent_arrived` counts), published and blanked with that count; the page's caption now says so."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main


def _report(tmp_path: Path) -> Path:
    exports, out = tmp_path / "exports", tmp_path / "report"
    generate(GeneratorSpec(clinics=3, rows=1500, months=24, seed=7), exports)
    assert main(["report", "imbalance", "-i", str(exports), "-o", str(out), "-q"]) == 0
    return out


def test_the_page_says_the_median_is_of_the_urgent_arrived_referrals(tmp_path: Path) -> None:
    out = _report(tmp_path)
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index("By region and month</h2>") :]
    found = re.search(r"<caption>(.*?)</caption>", section, re.S)
    assert found is not None
    caption = html.unescape(found.group(1))
    assert caption.startswith(
        "urgent_median_hours: the median of the hours from assessment to arrival of the row's"
        " urgent_arrived referrals (emergency and urgent referrals that arrived), so it is taken over as"
        " many referrals as urgent_arrived says, and is blank when that count is suppressed. "
    ), caption
    with (out / "tables" / "region_month.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # every median published has its count beside it, and a suppressed count has no median
    assert any(r["urgent_median_hours"] for r in rows)
    assert all(r["urgent_arrived"] for r in rows if r["urgent_median_hours"])
    assert any(not r["urgent_arrived"] for r in rows), "the small pool has small cells"
