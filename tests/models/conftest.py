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


def rewrite_manifest(folder: Path) -> None:
    """Re-write a version folder's MANIFEST.sha256 for its files as they are now: what a
    deliberate edit of card.json does too (loading then accepts it; `evaluate` still finds it)."""
    from models.manifest import COVERED, MANIFEST, render

    (folder / MANIFEST).write_bytes(render({f: (folder / f).read_bytes() for f in COVERED}))
