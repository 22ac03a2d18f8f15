"""`triage models show` says where the version stands in the registry: status, approval, date.

It printed the card alone: `show cvd10 --version V` of a retired or candidate version read as the
model in service, and the approval (who, when) that registry.json records was shown nowhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.models.conftest import rewrite_manifest
from tests.models.test_cli import run


def test_show_ends_with_the_registry_entry_of_the_active_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "show", "cvd10")
    assert code == 0
    assert out.rstrip("\n").splitlines()[-3:] == [
        "## Registry",
        "",
        "- 1.0.0: active (the version the service loads); approved by clinic-triage models engineer (teaching "
        "demonstration only) on 2026-11-25; note: teaching data - not for clinical use",
    ]


def test_show_of_another_version_says_it_is_not_the_one_in_service(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = model_dir / "cvd10" / "0.9.0"
    shutil.copytree(model_dir / "cvd10" / "1.0.0", old)
    card = json.loads((old / "card.json").read_text(encoding="utf-8"))
    (old / "card.json").write_text(json.dumps(card | {"version": "0.9.0"}), encoding="utf-8")
    rewrite_manifest(old)
    registry = json.loads((model_dir / "registry.json").read_text(encoding="utf-8"))
    registry["models"]["cvd10"]["versions"]["0.9.0"] = {"status": "retired", "note": "superseded by 1.0.0"}
    (model_dir / "registry.json").write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, _ = run(capsys, "models", "show", "cvd10", "--version", "0.9.0")
    assert code == 0 and out.startswith("# cvd10 0.9.0 - ")
    assert out.rstrip("\n").splitlines()[-1] == (
        "- 0.9.0: retired - not the active version (1.0.0), the service does not load it; approval not "
        "recorded; note: superseded by 1.0.0"
    )


def test_a_card_edited_by_hand_is_not_shown_or_listed_as_the_shipped_one(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service refuses a card.json that MANIFEST.sha256 does not record (a metric, an intended
    use edited by hand), but `show` printed it as the card and `list` listed its AUROC, exit 0: the
    reviewer read the edited numbers without a word that the service would not load them."""
    path = model_dir / "stroke10" / "1.0.0" / "card.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card["metrics"]["auroc"] = 0.91
    path.write_text(json.dumps(card, indent=2), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "show", "stroke10")
    assert code == 1 and out == ""
    assert err.startswith(f"error: model stroke10 1.0.0 refused (manifest): {path} has sha256 ")
    assert "the file was changed after the version was written" in err
    code, out, list_err = run(capsys, "models", "list", "--json")
    assert code == 1 and list_err == err
    assert [r["name"] for r in json.loads(out)] == ["cvd10", "diabetes", "ckd", "ckd"]
