"""`triage models train/verify --help` say what the commands do (a reviewer reads them first).

`train --check` said "fail unless byte-identical", but it passes when the card differs only in the
recorded library versions (docs/models.md); `train` without --check did not say that it writes a
new version directory, or compares with an existing one; `verify` did not say that it does not
re-run the held-out evaluation."""

from __future__ import annotations

import pytest

from triage.cli import main


def _help(capsys: pytest.CaptureFixture[str], command: str) -> str:
    assert main(["models", command, "--help"]) == 0
    return " ".join(capsys.readouterr().out.replace("│", " ").split())


def test_train_help_says_what_is_written_and_what_check_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "train")
    assert "fail unless byte-identical" not in text
    assert (
        "fail unless model.onnx and golden.jsonl are byte-identical (card.json and CARD.md may differ only "
        "in the recorded library versions, and MANIFEST.sha256 only in card.json's line)" in text
    )
    assert (
        "Without --check it writes the version directory NAME/VERSION under the models folder (or --out); "
        "a version directory is write-once: when it exists, it is compared as --check does and nothing is "
        "written" in text
    )


def test_verify_help_names_its_checks_and_what_it_does_not_do(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "verify")
    assert "imputation medians" in text
    assert "whose sha256 is not the one the version's MANIFEST.sha256 records - a card edited by hand" in text
    assert "does not re-run the held-out evaluation: `triage models evaluate NAME` does" in text


def test_verify_ok_lines_name_every_check_that_passed(capsys: pytest.CaptureFixture[str]) -> None:
    """The line said 'feature contract ok' and nothing of the units or the imputation medians,
    which loading now checks too (5a7a24d, a5f6f80)."""
    assert main(["models", "verify", "ckd"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("ok    ckd 1.0.0: sha256 37b33afc65598a9e... matches the card; ")
    assert (
        "feature names and units match the card and the engine; imputation medians = golden row 1; " in line
    )


def test_the_models_group_help_says_they_are_teaching_data_models(capsys: pytest.CaptureFixture[str]) -> None:
    """`triage models --help` - the first page a reviewer or an administrator reads - said what the
    commands do, not that every model is trained on a teaching data set, as every card says."""
    assert main(["models", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert (
        "Every model is trained on a public teaching data set (Framingham teaching cohort, Pima, UCI CKD): "
        "teaching data - not for clinical use - not validated on a Chinese primary-care population" in text
    )
    assert "triage models evaluate ckd" in text
