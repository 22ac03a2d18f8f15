"""Fixtures: a private copy of the shipped model folder that a test may tamper with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import models

MODEL_NAMES = ("cvd10", "stroke10", "diabetes", "ckd")


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    target.mkdir()
    shutil.copy2(models.MODELS_DIR / "registry.json", target / "registry.json")
    for name in MODEL_NAMES:
        shutil.copytree(models.MODELS_DIR / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target
