"""`triage report imbalance`'s "Load by tier against capacity" (plots/load.png and the page's
tier_load table) put the hospital tiers' load beside the clinics' with nothing saying it is only the
referral arrivals the pooled clinics send: six generated clinics' secondary tier at 0.4 % of its
capacity read as hospitals nearly empty, which docs/analytics-reports.md said and the report did not.
The plot says under its axes, and the table's caption, what each tier's load counts."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analytics.reports import render
from triage.cli import main

SAID = (
    "Load: primary - every encounter at the pooled clinics per day, against the clinics' daily capacity;"
    " secondary and tertiary - the referral arrivals from the pooled clinics per day, against the"
    " hospitals' daily capacity: the load these clinics send, not the hospitals' other patients nor their"
    " occupancy."
)


def test_the_load_table_says_what_a_tier_s_load_counts(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(export), "-o", str(out), "-q"]) == 0
    page = " ".join(html.unescape((out / "report.html").read_text(encoding="utf-8")).split())
    section = page[page.index("<h2>Load by tier against capacity") :]
    section = section[: section.index("<h2>", 5)]
    assert f"<caption>{SAID} suppressed_cells:" in section


def test_the_load_plot_says_what_a_tier_s_load_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def texts(fig: Figure, source: str) -> bytes:
        drawn.extend(" ".join(t.get_text().split()) for t in fig.texts)
        return b""

    monkeypatch.setattr(render, "_png", texts)
    load = pd.DataFrame(
        {
            "month": ["2026-01", "2026-01", "2026-02", "2026-02"],
            "tier": ["primary", "secondary"] * 2,
            "load_vs_capacity": [0.04, 0.004, 0.05, 0.005],
        }
    )
    render.plot_load(load, True, source="Source: test")
    assert SAID in drawn
