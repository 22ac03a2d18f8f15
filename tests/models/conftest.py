"""Fixtures: a private copy of the shipped model folder that a test may tamper with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import models

MODEL_NAMES = ("cvd10", "stroke10", "diabetes", "ckd")
_REGISTRY = json.loads((models.MODELS_DIR / "registry.json").read_text(encoding="utf-8"))["models"]
#: the version the service loads, by model (ckd: 1.1.0; its 1.0.0 is retired)
ACTIVE = {name: entry["active"] for name, entry in _REGISTRY.items()}
#: every registered version directory, retired ones included: (name, version)
SHIPPED = tuple((name, version) for name, entry in _REGISTRY.items() for version in entry["versions"])


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


def listed_versions(text: str) -> dict[tuple[str, str], str]:
    """`triage models list`'s text by version: (name, version) -> its status line (``* ckd 1.1.0
    active``, ``*`` for the active version) and the lines under it, joined with their words single-
    spaced, as a reader reads them wrapped at 80 columns."""
    blocks: dict[tuple[str, str], list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith(("* ", "  ")) and not line.startswith("    ") and len(line.split()) in (3, 4):
            *_, name, version, _status = line.split()
            current = blocks.setdefault((name, version), [])
        elif not line.startswith("    "):
            current = []  # the heading and the closing lines
            continue
        current.append(line)
    return {key: " ".join(" ".join(lines).split()) for key, lines in blocks.items()}
