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
    """...and its re-review: the card was corrected in place after the approval of 2026-11-25, and
    the registry says so (reviewed for teaching demonstration only, not a clinical approval)."""
    code, out, _ = run(capsys, "models", "show", "cvd10")
    assert code == 0
    lines = out.rstrip("\n").splitlines()
    assert lines[-5:-2] == [
        "## Registry",
        "",
        "- 1.0.0: active (the version the service loads); approved by clinic-triage models engineer (teaching "
        "demonstration only) on 2026-11-25; note: teaching data - not for clinical use",
    ]
    for line in lines[-2:]:  # each re-review, oldest first (the second: the high band's action)
        assert line.startswith(
            "- re-reviewed on 2026-12-06 by clinic-triage model reviewer (teaching demonstration only): card.json "
            "corrected in place "
        ), line
        assert "not a clinical approval; teaching data - not for clinical use" in line
    assert "corrected in place after the approval" in lines[-2]
    assert "corrected in place again after the approval" in lines[-1]


@pytest.mark.parametrize("name", ["cvd10", "stroke10", "diabetes", "ckd"])
def test_every_model_approved_before_its_card_corrections_has_a_re_review(name: str) -> None:
    """The approvals (2026-11-25) predate the card corrections made in place since: each 1.0.0 says
    so in a re-review entry, dated, by a reviewer for teaching demonstration only."""
    import models
    from models.card import Registry

    registry = Registry.model_validate_json((models.MODELS_DIR / "registry.json").read_bytes())
    info = registry.models[name].versions["1.0.0"]
    review = info.reviews[0]  # cvd10 and stroke10 have a second, for their high band's action
    assert info.date == "2026-11-25" and review.date == "2026-12-06"
    assert review.reviewer.endswith("(teaching demonstration only)")
    assert "corrected in place after the approval" in review.note and "not a clinical approval" in review.note


def test_a_review_dated_before_the_approval_is_refused() -> None:
    from pydantic import ValidationError

    from models.card import RegistryVersion

    with pytest.raises(
        ValidationError, match="a review dated 2026-11-01 is before the approval of 2026-11-25"
    ):
        RegistryVersion.model_validate(
            {
                "status": "active",
                "date": "2026-11-25",
                "reviews": [{"date": "2026-11-01", "reviewer": "r", "note": "n"}],
            }
        )


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


def test_show_help_and_examples_name_the_re_reviews_and_a_retired_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`models show --help` said the text ends with who approved the version and when - not its
    re-reviews, printed under it since; `models train --help` gave no example of a retired
    version's recipe (ckd 1.0.0), which `--version` trains."""
    code, out, _ = run(capsys, "models", "show", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert (
        code == 0 and "each re-review since (its date, reviewer and what it found; not an approval)" in text
    )
    code, out, _ = run(capsys, "models", "train", "--help")
    assert code == 0 and "triage models train ckd --version 1.0.0 --check" in out
    code, out, _ = run(capsys, "models", "train", "ckd", "--version", "1.0.0", "--check", "--json")
    assert code == 0 and json.loads(out)["byte_for_byte"] is True


def test_a_version_folder_missing_beside_its_registry_entry_is_named_as_such(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A models folder whose registry.json names ckd 1.1.0 without its folder (registry.json
    upgraded, the new version folder not copied) was refused as '.../ckd/1.1.0/card.json does not
    exist' by show, list, verify, evaluate and the service's loading - a file to restore, where the
    whole version folder is missing."""
    from triage.errors import ModelContractError
    from triage.riskmodels import load_models

    shutil.rmtree(model_dir / "ckd" / "1.1.0")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    expected = (
        f"model ckd 1.1.0 refused (folder): {model_dir / 'ckd' / '1.1.0'} does not exist, but "
        f"{model_dir / 'registry.json'} lists ckd 1.1.0: copy the version folder with the registry that "
        "names it (they ship together)"
    )
    for argv in (["show", "ckd"], ["list"], ["evaluate", "ckd"]):
        code, _, err = run(capsys, "models", *argv)
        assert code == 1 and err.strip() == f"error: {expected}", argv
    with pytest.raises(ModelContractError) as refused:
        load_models(model_dir, ["ckd"])
    assert str(refused.value) == expected
    (model_dir / "ckd" / "1.0.0" / "card.json").unlink()  # a folder without its card: as before
    code, _, err = run(capsys, "models", "show", "ckd", "--version", "1.0.0")
    assert code == 1 and err.strip().endswith(
        f"refused (card): {model_dir / 'ckd' / '1.0.0' / 'card.json'} does not exist; restore the shipped "
        "version folder"
    )


def test_ckd_1_1_0s_card_corrected_the_day_it_was_approved_has_its_re_review() -> None:
    """ckd 1.1.0 was approved with the title 'UCI CKD adults', then its card.json was corrected in
    place to 1.0.0's title (the staff pages' name); its registry entry says so, as the 1.0.0s' do."""
    import models
    from models.card import Registry
    from triage.riskmodels_cards import read_card

    registry = Registry.model_validate_json((models.MODELS_DIR / "registry.json").read_bytes())
    info = registry.models["ckd"].versions["1.1.0"]
    (review,) = info.reviews
    assert (info.date, review.date) == ("2026-12-06", "2026-12-06")
    assert "its title is 1.0.0's again" in review.note and "not a clinical approval" in review.note
    titles = {v: read_card(models.MODELS_DIR / "ckd" / v, "ckd", v).title for v in ("1.0.0", "1.1.0")}
    assert titles["1.0.0"] == titles["1.1.0"]
