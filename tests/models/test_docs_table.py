"""docs/models.md's 'What ships' table gives every registered version's figures, as its card has
them, and the version and status the registry gives it.

The cards are checked against the training (`train --check`) and the held-out re-run
(`evaluate`); the table a reviewer reads first is a copy of them typed into the docs, which
nothing compared. It then had one row per model, without its version: a row was compared with
the active card, but the version it stood for was a sentence under it ("The table gives the
active versions (`ckd` 1.1.0)") and the retired ckd 1.0.0's figures a typed list in prose, neither
compared with anything - activating a version and editing the row left both to drift."""

from __future__ import annotations

from pathlib import Path

import models
from models.card import ModelCard
from triage.riskmodels_cards import read_card, read_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def _doc_rows() -> dict[tuple[str, str], list[str]]:
    """The 'What ships' table: (model, version cell) -> the other cells."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("## What ships") :].split("\n\n")[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`"), cells[1]] = cells[2:]
    return rows


def _expected(card: ModelCard) -> list[str]:
    m, high = card.metrics, card.metrics.at_thresholds["high"]
    return [
        f"`{card.training.data.package}`",
        str(card.training.data.rows_used),
        f"{m.n} ({m.events})",
        f"{m.auroc:.3f} ({m.auroc_ci95[0]:.3f}-{m.auroc_ci95[1]:.3f})",
        f"{m.brier:.4f}",
        f"{m.calibration_slope:.2f}",
        f"{m.calibration_intercept:.2f}",
        f"{high.sensitivity:.2f}/{high.specificity:.2f}",
    ]


def test_the_docs_table_gives_every_registered_version_with_its_status_and_card_figures() -> None:
    registry = read_registry(models.MODELS_DIR)
    expected = {
        (name, f"{version} ({info.status})"): read_card(models.MODELS_DIR / name / version, name, version)
        for name, entry in registry.models.items()
        for version, info in entry.versions.items()
    }
    rows = _doc_rows()
    assert sorted(rows) == sorted(expected)
    for key, card in expected.items():
        package, *figures = _expected(card)
        assert rows[key][0].endswith(package), (key, rows[key][0])
        assert rows[key][1:] == figures, key
