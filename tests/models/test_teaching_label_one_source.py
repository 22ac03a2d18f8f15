"""The teaching-data label of the risk models is written once, in the layer every package may import.

It was written out four times - the model cards' ``models.card.TEACHING_LABEL``, the engine's
``triage.phrases.TEACHING_DATA``, the Assessment schema's description of a model's probability
(``triage.assessment.ModelResult``) and the analytics export's ``referral.value_sets.
RISK_MODELS_LABEL`` - and only the last was held equal to the cards' by a test: a label changed
in one place would have left the engine, the schema or the exports saying the old one. Now
``referral.value_sets`` (the bottom layer: triage, models, devices and analytics all import it)
holds it and the others take it from there."""

from __future__ import annotations

import ast
from pathlib import Path

from models.card import TEACHING_LABEL
from referral.value_sets import RISK_MODELS_LABEL
from triage.assessment import ModelResult
from triage.phrases import TEACHING_DATA

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("triage", "devices", "referral", "analytics", "models")


def _written_in(path: Path) -> bool:
    """Whether a string written in ``path`` holds the label (adjacent literals joined, as Python
    joins them; an f-string's literal parts one by one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and RISK_MODELS_LABEL in node.value
        for node in ast.walk(tree)
    )


def test_the_label_is_written_once_in_the_bottom_layer() -> None:
    written = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if _written_in(path)
    )
    assert written == ["referral/value_sets.py"]


def test_every_layer_says_the_same_label() -> None:
    assert TEACHING_LABEL == RISK_MODELS_LABEL
    assert TEACHING_DATA.template == RISK_MODELS_LABEL
    description = ModelResult.model_fields["probability"].description or ""
    assert f"From a model trained on {RISK_MODELS_LABEL} (a scored model's explanation" in description
