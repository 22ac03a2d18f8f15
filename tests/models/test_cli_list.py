"""`triage models list` when a registered version's card cannot be read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    assert [r["name"] for r in json.loads(out)] == ["cvd10", "diabetes"]
    assert err.splitlines() == [
        f"error: model stroke10 1.0.0 refused (card): {card.parents[2] / 'stroke10' / '1.0.0' / 'card.json'} "
        "does not exist",
        f"error: model ckd 1.0.0 refused (card schema): {card}: metrics.auroc: Input should be a valid "
        "number, unable to parse string as a number",
    ]
    code, out, text_err = run(capsys, "models", "list")
    assert code == 1 and text_err == err
    assert [line.split()[1] for line in out.splitlines() if " AUROC " in line] == ["cvd10", "diabetes"]
