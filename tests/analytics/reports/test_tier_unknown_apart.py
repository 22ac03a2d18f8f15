"""`triage report imbalance` counted three different things as one tier "unknown" (queries.py's
COALESCE(f.tier, 'unknown')): a referral disposition with no referral made yet, a referral to a
hospital no facility directory lists (its registration missing) and one to a hospital the directory
lists with no tier recorded (its row left out: data missing). An analyst follows these up with
different people, and nothing told them apart: the table, the plot's key ("referred, tier
unknown") and the warning ("... not in it, so their tier is 'unknown'") said all three alike. Each
is now a tier of its own, in the tables (tier_month, tier_load), the page's caption, the plot's key,
the warning line and summary.json. A real pool through the real CLI, in-process."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analytics.reports.figures import tiers_figure
from analytics.reports.schema import REFERRAL_DISPOSITIONS
from triage.cli import main


def _pool_with_gaps(generated: tuple[Path, dict[str, Any]], folder: Path) -> tuple[Path, Path, str, str]:
    """The first clinic's encounters, bare, its referrals to other hospitals not made yet, and
    its directory, in which the hospital it refers most to has no tier recorded and the next is
    missing."""
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    encounters = pd.read_parquet(export / "encounters.parquet")
    referred = encounters["disposition"].isin(REFERRAL_DISPOSITIONS) & encounters["referral_to"].notna()
    untiered, unregistered = encounters.loc[referred, "referral_to"].value_counts().index[:2]
    made = encounters.index[referred & ~encounters["referral_to"].isin([untiered, unregistered])]
    encounters.loc[made, ["referral_to", "referral_status", "hours_to_arrival"]] = None
    encounters.to_parquet(folder / "encounters.parquet", index=False)
    directory = pd.read_parquet(export / "facilities.parquet")
    directory = directory[directory["facility_id"] != unregistered]
    directory.loc[directory["facility_id"] == untiered, "tier"] = None
    directory.to_csv(folder / "region.csv", index=False)
    return folder / "encounters.parquet", folder / "region.csv", str(untiered), str(unregistered)


def test_each_unknown_tier_is_said_apart(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table, directory, untiered, unregistered = _pool_with_gaps(generated, tmp_path)
    out = tmp_path / "report"
    code = main(
        ["report", "imbalance", "-i", str(table), "--facilities", str(directory), "-o", str(out), "-q"]
    )
    err = capsys.readouterr().err
    assert code == 0, err

    tiers = pd.read_csv(out / "tables" / "tier_month.csv")
    found = set(tiers["tier"])
    assert {"unknown_no_referral", "unknown_not_in_directory", "unknown_tier_not_recorded"} <= found
    assert "unknown" not in found
    load = pd.read_csv(out / "tables" / "tier_load.csv")
    assert {"unknown_not_in_directory", "unknown_tier_not_recorded"} <= set(load["tier"])

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert unregistered in summary["not_in_directory"]["hospitals"]
    assert untiered not in summary["not_in_directory"]["hospitals"]
    assert summary["tier_not_recorded"] == {"clinics": [], "hospitals": [untiered]}

    warning = [line for line in err.splitlines() if line.startswith("warning: facility directory: ")]
    assert len(warning) == 1, err
    assert unregistered in warning[0].split("; ")[0]
    assert "not in it (a registration missing)" in warning[0]
    assert "count as tier 'unknown_not_in_directory'" in warning[0]
    assert (
        f"1 receiving hospital ({untiered}) is in it without a tier of primary, secondary or tertiary"
        " (data missing: its row was left out, the rejected inputs say where), so its capacity, beds and"
        " location are missing, referrals to it count as tier 'unknown_tier_not_recorded'; record its"
        " tier in the clinic's facility directory"
    ) in warning[0]

    page = " ".join(html.unescape((out / "report.html").read_text(encoding="utf-8")).split())
    section = page[page.index("<h2>Encounters by tier") :]
    section = section[: section.index("<h2>", 5)]
    assert (
        "unknown_no_referral: encounters with a referral disposition (emergency transfer, urgent or"
        " routine referral) but no referral to a hospital recorded when the clinic exported"
    ) in section
    assert (
        "unknown_not_in_directory: referred to a hospital that no facility directory lists - its"
        " registration is missing"
    ) in section
    assert (
        "unknown_tier_not_recorded: referred to a hospital the facility directory lists without a tier"
        " of primary, secondary or tertiary - the tier is missing from its row"
    ) in section

    figure = tiers_figure(tiers, synthetic=None)
    keys = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    plt.close(figure)
    assert {
        "referred, no hospital named yet",
        "referred, hospital not in the directory",
        "referred, hospital's tier not recorded",
    } <= set(keys)
    assert "referred, tier unknown" not in keys
