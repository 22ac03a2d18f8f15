"""The tier "unknown" of `triage report imbalance`'s tiers (the table `tier_month`, the page's
"Encounters by tier", `plots/tiers.png`) counts referred encounters without a hospital of a known
tier - most often a referral disposition whose referral a clinician had not made yet when the clinic
exported. The page and the plot said "unknown" alone: pooled from two demo clinics, "unknown 10"
stood beside a run that said every facility was in the directory, and nothing said what it was.
Since then each case is a tier of its own (test_tier_unknown_apart.py): here, unknown_no_referral."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from analytics.reports.figures import tiers_figure
from tests.analytics.reports.conftest import clinic_log
from tests.cli.running import run


def test_referred_encounters_without_a_hospital_are_said_on_the_page_and_in_the_key(tmp_path: Path) -> None:
    log = clinic_log(tmp_path / "clinic.db", patients=6)  # urgent referrals, no referral made
    out = tmp_path / "report"
    done = run(["report", "imbalance", "-i", str(log), "-o", str(out), "-q"], tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    tiers = pd.read_csv(out / "tables" / "tier_month.csv")
    assert list(tiers["tier"]) == ["unknown_no_referral"] and list(tiers["encounters"]) == [6]
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>Encounters by tier") :]
    section = section[: section.index("<h2>", 5)]
    assert (
        "unknown_no_referral: encounters with a referral disposition (emergency transfer, urgent or"
        " routine referral) but no referral to a hospital recorded when the clinic exported (a clinician"
        " had not made it yet)."
    ) in section
    assert "unknown_not_in_directory" not in section and "unknown_tier_not_recorded" not in section
    figure = tiers_figure(tiers, synthetic=True)
    keys = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    plt.close(figure)
    assert keys == ["referred, no hospital named yet"]


def test_a_pool_without_the_unknown_tier_does_not_explain_it(tmp_path: Path) -> None:
    tiers = pd.DataFrame(
        {"region_code": ["330122"] * 2, "month": ["2026-05"] * 2, "tier": ["primary", "secondary"]}
    )
    tiers["encounters"], tiers["region_month_total"] = [5, 6], 11
    figure = tiers_figure(tiers, synthetic=True)
    keys = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    plt.close(figure)
    assert keys == ["primary", "secondary"]
