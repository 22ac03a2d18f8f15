"""What a reviewer signing off the models reads when a version folder is wrong: each refusal of
`triage models verify | evaluate | train` is one line saying what is wrong, in which file, and what
to do.

Before: a tampered model.onnx was "has sha256 ..., the card expects ..." with no word of what to do
(the manifest's refusal of the same file, in `list` and `show`, said "restore the shipped file"); a
card listing the inputs in another order was "card features ['age', 'glucose_random', ...], ONNX
metadata says [age,bmi,...]", naming neither file nor where they part; `train --check` of a version
folder that is not there trained for a while, then named the folder's five files missing one by one;
and the closing line of `verify` ("1 of 5 model versions failed verification") did not say which,
which with --json is the only text there is ("1 of 1 model versions" for one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.models.test_cli import run


@pytest.fixture
def models_here(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    return model_dir


def test_a_tampered_model_onnx_says_where_and_what_to_do(
    capsys: pytest.CaptureFixture[str], models_here: Path
) -> None:
    folder = models_here / "cvd10" / "1.0.0"
    with (folder / "model.onnx").open("ab") as onnx:
        onnx.write(b"x")
    code, out, err = run(capsys, "models", "verify", "cvd10")
    assert code == 1
    (fail,) = out.splitlines()
    assert fail.startswith(f"FAIL  model cvd10 1.0.0 refused (sha256): {folder / 'model.onnx'} has sha256 ")
    assert fail.endswith(
        ", the card expects 4ba9b9cc96836c8c1696e1d83d2736d02b8d72a93d72e122a4b646ee1b48dcd2: the file was "
        "changed or replaced after the version was written; restore the shipped file"
    )
    assert err == "error: 1 of 1 model version failed verification: cvd10 1.0.0\n"
    code, out, err = run(capsys, "models", "verify", "--json")
    assert code == 1 and len(json.loads(out)) == 5
    assert err == "error: 1 of 5 model versions failed verification: cvd10 1.0.0\n"


def test_a_card_with_its_inputs_in_another_order_names_both_files_and_the_first_difference(
    capsys: pytest.CaptureFixture[str], models_here: Path
) -> None:
    folder = models_here / "diabetes" / "1.0.0"
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    features = card["features"]
    features[1], features[2] = dict(features[2], index=1), dict(features[1], index=2)
    (folder / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
    expected = (
        f"model diabetes 1.0.0 refused (feature contract): {folder / 'card.json'} features.1 is glucose_random, "
        f"but {folder / 'model.onnx'} (its metadata's feature_names) has bmi there; the model's inputs in "
        "order: age, bmi, glucose_random, dbp. The card must list the model's inputs in the model's order: "
        "restore the shipped card.json"
    )
    code, out, err = run(capsys, "models", "verify", "diabetes")
    assert code == 1 and out == f"FAIL  {expected}\n"
    assert err == "error: 1 of 1 model version failed verification: diabetes 1.0.0\n"
    code, out, err = run(capsys, "models", "evaluate", "diabetes")
    assert code == 1 and out == "" and err == f"error: {expected}\n"


def test_train_check_of_a_missing_version_folder_says_so_before_training(
    capsys: pytest.CaptureFixture[str], models_here: Path
) -> None:
    pytest.importorskip("sklearn", reason="needs the training extra (make test)")
    folder = models_here / "ckd" / "1.1.0"
    shutil.rmtree(folder)
    for argv in (["--check"], ["--check", "--json"], ["--check", "--version", "1.1.0"]):
        code, out, err = run(capsys, "models", "train", "ckd", *argv)
        assert code == 1 and out == ""
        # one line, and no "... ckd: fitting on ..." progress: nothing was trained
        assert err == (
            f"error: nothing to compare with: {folder}, the version folder of ckd 1.1.0, does not exist; "
            "restore the shipped version folder (or train without --check to write it)\n"
        ), argv
    code, out, err = run(capsys, "models", "verify", "ckd")
    assert code == 1 and out.startswith("ok    ckd 1.0.0: ")
    assert f"FAIL  model ckd 1.1.0 refused (folder): {folder} does not exist, but " in out
    assert err == "error: 1 of 2 model versions failed verification: ckd 1.1.0\n"


@pytest.mark.parametrize("missing", ["golden.jsonl", "model.onnx", "card.json"])
def test_a_file_missing_from_a_version_folder_says_to_restore_it(
    capsys: pytest.CaptureFixture[str], models_here: Path, missing: str
) -> None:
    """'refused (golden): .../golden.jsonl does not exist' said no more (the manifest missing: 'restore
    the shipped version folder'), in verify, list and show alike."""
    folder = models_here / "diabetes" / "1.0.0"
    (folder / missing).unlink()
    code, out, err = run(capsys, "models", "verify", "diabetes")
    assert code == 1
    (fail,) = out.splitlines()
    assert fail.startswith("FAIL  model diabetes 1.0.0 refused (")
    assert fail.endswith(f"): {folder / missing} does not exist; restore the shipped version folder"), fail
    assert err == "error: 1 of 1 model version failed verification: diabetes 1.0.0\n"
    for argv in (["list"], ["show", "diabetes"]):
        code, _, err = run(capsys, "models", *argv)
        assert code == 1
        assert err.startswith("error: model diabetes 1.0.0 refused (") and err.endswith(
            f"): {folder / missing} does not exist; restore the shipped version folder\n"
        ), (argv, err)
