"""MANIFEST.sha256: a card.json edited by hand in a field no other load check covers (the intended
use, a metric, a limitation) loaded silently and passed `triage models verify`; each version
folder now records the sha256 of card.json, golden.jsonl and model.onnx, checked at load."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import models
from models.card import ModelCard
from models.card_markdown import render_card
from models.manifest import COVERED, MANIFEST, parse
from tests.models.conftest import MODEL_NAMES, SHIPPED
from triage.cli import main
from triage.errors import ModelContractError
from triage.riskmodels import load_model, load_models


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _intended_use(card: dict[str, Any]) -> None:
    card["intended_use"] = "Decide treatment for any adult."


def _metric(card: dict[str, Any]) -> None:
    card["metrics"]["auroc"] = 0.91


def _limitation(card: dict[str, Any]) -> None:
    card["limitations"].pop(1)  # "Not validated on a Chinese primary-care population ..."


def _outcome(card: dict[str, Any]) -> None:
    card["outcome"] = "Any cardiovascular event"


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_every_shipped_version_folder_has_a_manifest_of_its_files(name: str, version: str) -> None:
    folder = models.MODELS_DIR / name / version
    recorded = parse((folder / MANIFEST).read_bytes())
    assert recorded == {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in COVERED}


@pytest.mark.parametrize("edit", [_intended_use, _metric, _limitation, _outcome])
def test_a_card_edited_by_hand_is_refused_at_load_and_by_verify(
    edit: Callable[[dict[str, Any]], None],
    model_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = model_dir / "cvd10" / "1.0.0"
    data = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    edit(data)
    (folder / "card.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (folder / "CARD.md").write_text(render_card(ModelCard.model_validate(data)), encoding="utf-8")
    with pytest.raises(ModelContractError) as refused:
        load_models(model_dir, ["cvd10"])
    message = str(refused.value)
    assert message.startswith(f"model cvd10 1.0.0 refused (manifest): {folder / 'card.json'} has sha256 ")
    assert f"but {folder / MANIFEST} records " in message and "restore the shipped file" in message
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "verify")
    assert code == 1 and err == "error: 1 of 5 model versions failed verification: cvd10 1.0.0\n"
    assert f"FAIL  model cvd10 1.0.0 refused (manifest): {folder / 'card.json'}" in out
    assert out.count("\nok    ") + out.startswith("ok    ") == 4


def test_golden_rows_and_the_manifest_itself_are_covered(model_dir: Path) -> None:
    folder = model_dir / "stroke10" / "1.0.0"
    (folder / MANIFEST).unlink()
    with pytest.raises(ModelContractError, match=r"refused \(manifest\): .*MANIFEST.sha256 does not exist"):
        load_model(folder, "stroke10", "1.0.0")
    (folder / MANIFEST).write_text("not a manifest\n", encoding="utf-8")
    with pytest.raises(ModelContractError, match=r"MANIFEST.sha256 is malformed: line 1 is not"):
        load_model(folder, "stroke10", "1.0.0")
    shipped = (models.MODELS_DIR / "stroke10" / "1.0.0" / MANIFEST).read_text(encoding="utf-8")
    (folder / MANIFEST).write_text(shipped.replace("  golden.jsonl\n", "  golden.json\n"), encoding="utf-8")
    with pytest.raises(
        ModelContractError, match=r"MANIFEST\.sha256 is malformed: it does not list golden\.jsonl"
    ):
        load_model(folder, "stroke10", "1.0.0")
    (folder / MANIFEST).write_text(shipped, encoding="utf-8")
    # a golden probability's last digit (1e-11, inside the replay's 1e-5): only the manifest sees it
    golden = folder / "golden.jsonl"
    golden.write_bytes(
        golden.read_bytes().replace(b'"probability": 0.09319008353}', b'"probability": 0.09319008354}')
    )
    with pytest.raises(ModelContractError, match=r"refused \(manifest\): .*golden.jsonl has sha256"):
        load_model(folder, "stroke10", "1.0.0")


def test_a_correction_written_with_its_manifest_line_loads(model_dir: Path) -> None:
    """The reviewed way to correct card text in place: the card and its manifest line together."""
    folder = model_dir / "ckd" / "1.0.0"
    data = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    _intended_use(data)
    card = (json.dumps(data, indent=2) + "\n").encode()
    (folder / "card.json").write_bytes(card)
    lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    fixed = [
        f"{hashlib.sha256(card).hexdigest()}  card.json" if ln.endswith("  card.json") else ln for ln in lines
    ]
    (folder / MANIFEST).write_text("\n".join(fixed) + "\n", encoding="utf-8")
    assert load_model(folder, "ckd", "1.0.0").card.intended_use == "Decide treatment for any adult."


def test_the_wheel_carries_every_file_of_a_version_folder() -> None:
    """pyproject's package-data lists the version folders' files by name: a MANIFEST.sha256 left
    out of the wheel would make an installed product refuse every model."""
    import tomllib
    from fnmatch import fnmatch

    pyproject = tomllib.loads((models.MODELS_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["models"]
    for name in MODEL_NAMES:
        for file in (models.MODELS_DIR / name / "1.0.0").iterdir():
            relative = f"{name}/1.0.0/{file.name}"
            assert any(fnmatch(relative, g) for g in globs), f"{relative} is not in the wheel: {globs}"
