"""`triage models list/show/verify/train` through the real CLI entry point."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import models
from tests.models.conftest import MODEL_NAMES, SHIPPED
from triage.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_json_shows_every_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["name"], r["version"]) for r in rows] == list(SHIPPED)
    assert [r["name"] for r in rows if r["active"]] == list(MODEL_NAMES)
    assert all(r["label"].startswith("teaching data") for r in rows)
    assert [r["status"] for r in rows if not r["active"]] == ["retired"]  # ckd 1.0.0


def test_list_text_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and "cvd10" in out and "AUROC" in out
    code, out, _ = run(capsys, "models", "show", "ckd")
    assert code == 0 and "# ckd 1.1.0" in out and "TEACHING DATA - NOT FOR CLINICAL USE" in out
    code, out, _ = run(capsys, "models", "show", "ckd", "--json")
    assert json.loads(out)["onnx"]["input_width"] == 9


def test_show_unknown_model_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "models", "show", "heart")
    assert code == 1
    assert err.strip() == 'error: unknown model "heart"; known: cvd10, stroke10, diabetes, ckd'
    code, _, err = run(capsys, "models", "show", "ckd", "--version", "9.9.9")
    assert code == 1 and err.strip() == 'error: model ckd has no version "9.9.9"; known: 1.0.0, 1.1.0'


def test_train_unknown_model_says_it_as_show_and_verify_do(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`models train heart` said "no training recipe for model 'heart'" (repr quotes, a word the
    other commands do not use) and only after creating --out; now the line of `show` and `verify`,
    before anything is written."""
    out = tmp_path / "new-models"
    for argv in (["train", "heart", "--out", str(out)], ["verify", "heart"], ["show", "heart"]):
        code, _, err = run(capsys, "models", *argv)
        assert (
            code == 1 and err.strip() == 'error: unknown model "heart"; known: cvd10, stroke10, diabetes, ckd'
        )
    assert not out.exists()


def test_verify_passes_on_the_shipped_models(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "verify")
    assert code == 0
    assert out.count("ok    ") == len(SHIPPED) == 5 and "64 golden rows replayed" in out


def test_verify_fails_on_a_tampered_copy(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    onnx = model_dir / "ckd" / "1.0.0" / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[-1] ^= 0xFF
    onnx.write_bytes(bytes(data))
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "verify", "--json")
    assert code == 1
    results = {(r["name"], r["version"]): r for r in json.loads(out)}
    assert not results["ckd", "1.0.0"]["ok"] and "refused (sha256)" in results["ckd", "1.0.0"]["error"]
    assert results["cvd10", "1.0.0"]["ok"] and results["ckd", "1.1.0"]["ok"]
    assert "1 of 5 model versions failed verification: ckd 1.0.0" in err


def test_a_models_directory_that_is_a_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """models.directory naming a file was a NotADirectoryError traceback; it is a settings mistake
    named where it was set, exit 2, as `triage serve` says it (test_cli_directory_setting.py)."""
    not_a_folder = tmp_path / "models.tar"
    not_a_folder.write_bytes(b"")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(not_a_folder))
    for argv in (["models", "list"], ["models", "verify"]):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert err == (
            f'error: environment variable TRIAGE_MODELS__DIRECTORY="{not_a_folder}": {not_a_folder} has no'
            " registry.json: not a folder of risk models (docs/models.md); leave models.directory out for the"
            " shipped models\n"
        )


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="needs the training extra (make test)"
)
def test_train_check_reports_byte_for_byte_reproduction(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "models", "train", "diabetes", "--check")
    assert code == 0, err
    # the last line says "byte for byte" for the whole directory only where the recorded library
    # versions (Python's included) are the cards' own; model.onnx is byte for byte everywhere
    lines = out.splitlines()
    assert lines[0].startswith("identical     model.onnx: sha256 c88ef4a3")
    assert lines[2].startswith("identical     golden.jsonl: sha256 ")
    assert lines[-1].startswith("reproduced diabetes 1.0.0") and "model.onnx sha256 c88ef4a3" in lines[-1]
    assert "... diabetes: fitting on 372 rows" in err


def test_serving_modules_never_import_sklearn() -> None:
    code = (
        "import sys, triage.riskmodels, triage.riskfeatures, triage.cli; "
        "triage.riskmodels.load_models(); "
        "bad = sorted(m for m in sys.modules if m.startswith(('sklearn', 'skl2onnx', 'models.training'))); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_list_text_carries_the_whole_teaching_label(capsys: pytest.CaptureFixture[str]) -> None:
    """The text list said 'teaching data - not for clinical use' without 'not validated on a Chinese
    primary-care population', which the JSON, the cards and the README promise everywhere."""
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    lines = out.splitlines()  # the label under the folder's line, wrapped at 80 columns
    assert " ".join(lines[1:3]) == (
        "(teaching data - not for clinical use - not validated on a Chinese primary-care population)"
    )


def test_verify_fails_when_a_threshold_was_edited_in_card_json(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sha256 covers model.onnx only: a card whose 'high' threshold was raised from 10% to 90% by
    hand (the engine would then refer almost nobody) passed `verify` while CARD.md still said 10%, and
    once the CARD.md check came, still passed with CARD.md re-rendered to match. The threshold must be
    the one its held-out operating point (metrics.at_thresholds) was measured at."""
    from models.card import ModelCard
    from models.card_markdown import render_card

    folder = model_dir / "cvd10" / "1.0.0"
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    card["thresholds"][1]["min_probability"] = 0.9
    (folder / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    shipped = ModelCard.model_validate_json(
        (models.MODELS_DIR / "cvd10" / "1.0.0" / "card.json").read_bytes()
    )
    high = shipped.thresholds[1].model_copy(update={"min_probability": 0.9})
    edited = shipped.model_copy(update={"thresholds": (shipped.thresholds[0], high)})  # not validated
    (folder / "CARD.md").write_text(render_card(edited), encoding="utf-8")
    assert "| high | 90.0% |" in (folder / "CARD.md").read_text(encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "verify")
    assert code == 1
    fail = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert fail == [
        f"FAIL  model cvd10 1.0.0 refused (card schema): {folder / 'card.json'}: the high threshold is 0.9, but "
        "its held-out operating point (metrics.at_thresholds.high) was measured at 0.1: the threshold was edited "
        "by hand; a version directory is write-once: restore the shipped card or train a new version"
    ]
    assert out.count("; CARD.md matches the card") == 4
    assert err == "error: 1 of 5 model versions failed verification: cvd10 1.0.0\n"


def test_verify_fails_without_card_md(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (model_dir / "ckd" / "1.0.0" / "CARD.md").unlink()
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, _ = run(capsys, "models", "verify", "ckd", "--json")
    assert code == 1
    result, newest = json.loads(out)  # a retired version is verified too
    assert newest["ok"] and (result["version"], newest["version"]) == ("1.0.0", "1.1.0")
    assert result["error"].endswith("CARD.md does not exist; restore the shipped file")


def test_a_card_refused_as_a_whole_names_no_empty_field(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card-level error printed 'card.json: : Value error, ...' (an empty field path)."""
    path = model_dir / "cvd10" / "1.0.0" / "card.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card["label"] = "fine for clinical use"
    path.write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, _ = run(capsys, "models", "verify", "cvd10")
    assert code == 1
    assert f"{path}: label must be 'teaching data - not for clinical use" in out
    assert ": :" not in out


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="needs the training extra (make test)"
)
def test_train_check_does_not_call_a_card_with_other_library_versions_byte_for_byte(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card records the Python version (3.11.7 here; Debian's python3.11 is 3.11.2): there the
    card differs only in that record, `--check` passes as documented, and its last line said
    'reproduced diabetes 1.0.0 byte for byte' after listing card.json as not identical."""
    path = model_dir / "diabetes" / "1.0.0" / "card.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    card["training"]["versions"]["python"] = "3.11.2"
    path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "train", "diabetes", "--check")
    assert code == 0, err
    lines = out.splitlines()
    assert "versions_only card.json: differs only in the recorded library versions" in lines
    assert lines[-1] == (
        "reproduced diabetes 1.0.0: model.onnx and golden.jsonl byte for byte (model.onnx sha256 "
        "c88ef4a3873c2d64fe4e54c697f86218140c8455aa11b2d05e9a3dce587fedca); card.json differs only in the "
        "recorded library versions"
    )
    # without --check the same: it said "already exists and differs (...); bump the version in the
    # recipe" (exit 1) to someone who had just reproduced the shipped model
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    code, out, err = run(capsys, "models", "train", "diabetes")
    assert code == 0, err
    assert out.splitlines()[0] == (
        f"{path.parent} already exists (a version directory is write-once); comparing, nothing written"
    )
    assert out.splitlines()[-1] == lines[-1]
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_an_unreadable_registry_names_no_empty_field(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'registry.json is invalid: : Invalid JSON: ...' (an empty field path before the message)."""
    (model_dir / "registry.json").write_text("{", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, _, err = run(capsys, "models", "list")
    assert code == 1
    assert err.startswith(f"error: model registry {model_dir / 'registry.json'} is invalid: Invalid JSON: ")


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="needs the training extra (make test)"
)
def test_train_json_says_what_was_written_or_compared(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`models train` had no --json where list, show and verify have it: a script kept the model's
    hash by parsing 'wrote ... (model.onnx sha256 ...)'. --json prints the one document (no
    progress lines), and after a failed comparison the differing files, then the error (exit 1)."""
    code, out, err = run(capsys, "models", "train", "diabetes", "--out", str(tmp_path), "--json")
    assert (code, err) == (0, "")
    written = json.loads(out)
    folder = tmp_path / "diabetes" / "1.0.0"
    assert (written["path"], written["written"], written["check"]) == (str(folder), True, False)
    assert {f["file"]: f["sha256"] for f in written["files"]} == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
    }
    assert written["model_onnx_sha256"] == hashlib.sha256((folder / "model.onnx").read_bytes()).hexdigest()

    code, out, err = run(capsys, "models", "train", "diabetes", "--out", str(tmp_path), "--json")
    again = json.loads(out)  # the folder exists: compared, nothing written
    assert (code, err, again["written"], again["reproduced"], again["byte_for_byte"]) == (
        0,
        "",
        False,
        True,
        True,
    )
    assert {f["status"] for f in again["files"]} == {"identical"}

    (folder / "golden.jsonl").write_text("{}\n", encoding="utf-8")
    code, out, err = run(capsys, "models", "train", "diabetes", "--out", str(tmp_path), "--json")
    failed = json.loads(out)
    assert code == 1 and err.startswith(f"error: re-training diabetes 1.0.0 does not reproduce {folder}: ")
    assert (failed["reproduced"], failed["byte_for_byte"]) == (False, False)
    assert {f["file"]: f["status"] for f in failed["files"]}["golden.jsonl"] == "differs"


def test_train_check_says_a_changed_or_missing_shipped_file_is_restored_not_library_drift(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model.onnx changed by hand (one byte appended) or a card.json deleted was reported by
    `train --check` as '... If only library versions changed, this is library drift: bump the MINOR
    version and re-train' - a new version for a file to restore. The re-training gives the sha256 the
    version's MANIFEST.sha256 records: the shipped file changed, and the error says to restore it."""
    folder = model_dir / "diabetes" / "1.0.0"
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    with (folder / "model.onnx").open("ab") as fh:
        fh.write(b"x")
    code, _, err = run(capsys, "models", "train", "diabetes", "--check")
    err = err.splitlines()[-1]  # after the progress lines
    assert code == 1 and err.startswith(f"error: re-training diabetes 1.0.0 does not reproduce {folder}: ")
    assert err.endswith(
        "model.onnx changed after the version was written (the re-training gives the sha256 MANIFEST.sha256 "
        "records): restore the shipped file."
    )
    assert "library drift" not in err
    (folder / "model.onnx").write_bytes(
        (models.MODELS_DIR / "diabetes" / "1.0.0" / "model.onnx").read_bytes()
    )
    (folder / "card.json").unlink()
    code, _, err = run(capsys, "models", "train", "diabetes", "--check")
    err = err.splitlines()[-1]
    assert code == 1 and err.endswith("card.json missing: restore the shipped version folder.")
    assert "library drift" not in err
    # a re-trained file the manifest does not record either is drift
    (folder / "card.json").write_bytes((models.MODELS_DIR / "diabetes" / "1.0.0" / "card.json").read_bytes())
    (folder / "golden.jsonl").write_text("{}\n", encoding="utf-8")
    (folder / "MANIFEST.sha256").write_text(
        (folder / "MANIFEST.sha256")
        .read_text()
        .replace(
            hashlib.sha256(
                (models.MODELS_DIR / "diabetes" / "1.0.0" / "golden.jsonl").read_bytes()
            ).hexdigest(),
            hashlib.sha256(b"{}\n").hexdigest(),
        )
    )
    code, _, err = run(capsys, "models", "train", "diabetes", "--check")
    assert code == 1 and "this is library drift: bump the MINOR version and re-train." in err
