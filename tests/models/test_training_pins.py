"""The training extra pins the libraries every shipped card records (``training.versions``): with
any other version ``triage models train --check`` need not re-train byte for byte. pandas 3.1.2,
published after the cards recorded 3.1.1, made every check report library drift on a fresh
install (three tests of tests/models failed in a clean clone)."""

from __future__ import annotations

import json
import tomllib

import models
from tests.models.conftest import MODEL_NAMES


def _pins() -> dict[str, str]:
    pyproject = tomllib.loads((models.MODELS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    pins = {}
    for requirement in pyproject["project"]["optional-dependencies"]["train"]:
        name, sep, version = requirement.partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def test_the_train_extra_pins_every_library_the_shipped_cards_record() -> None:
    pins = _pins()
    cards = sorted(models.MODELS_DIR.glob("*/*/card.json"))
    assert {card.parent.parent.name for card in cards} == set(MODEL_NAMES), cards
    for card in cards:
        recorded = json.loads(card.read_text(encoding="utf-8"))["training"]["versions"]
        libraries = {name.lower(): version for name, version in recorded.items() if name != "python"}
        assert libraries, f"{card} records no library versions"
        wrong = {
            name: (version, pins.get(name))
            for name, version in libraries.items()
            if pins.get(name) != version
        }
        assert not wrong, f"{card}: recorded version != pyproject's train pin: {wrong}"
