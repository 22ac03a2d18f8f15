"""docs/models.md's 'What ships' table gives each card's figures, as the card has them.

The cards are checked against the training (`train --check`) and the held-out re-run
(`evaluate`); the table a reviewer reads first is a copy of them typed into the docs, which
nothing compared."""

from __future__ import annotations

from pathlib import Path

import pytest

import models
from models.card import ModelCard
from tests.models.conftest import MODEL_NAMES
from triage.riskmodels_cards import read_card, read_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def _doc_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
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


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_docs_table_gives_the_active_cards_figures(name: str) -> None:
    version = read_registry(models.MODELS_DIR).models[name].active
    card = read_card(models.MODELS_DIR / name / version, name, version)
    cells = _doc_rows()[name]
    package, *figures = _expected(card)
    assert cells[0].endswith(package), cells[0]
    assert cells[1:] == figures
