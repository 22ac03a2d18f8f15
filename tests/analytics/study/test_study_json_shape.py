"""study.json's keys and their kinds are checked, each problem named: a misspelt key had been
ignored without a word (``"min_mover": 50`` left the threshold at 1, ``"synthetc": true`` left the
data unlabelled), ``"synthetic": "false"`` had marked it SYNTHETIC, a frame with both moves and
edges had its edges left unread, and ``"edgecov": [...]`` was a traceback (exit 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from analytics.study.dataset import StudyDataError, load_study
from analytics.study.generator import NODE_TERMS
from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"
KEYS = "key, title, table, nodes, moves, edges, min_movers, edgecov, synthetic, synthetic_parts"


def _example_with(tmp_path: Path, top: dict[str, Any], frame: dict[str, Any]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest.update(top)
    manifest["frames"][0].update(frame)
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("top", "frame", "message"),
    [
        (
            {},
            {"min_mover": 50},
            f'frames[0] has a key "min_mover" the format does not have (did you mean "min_movers"?); the keys: {KEYS}'
            " (docs/study-data-format.md)",
        ),
        (
            {"synthetc": True},
            {},
            'the top level has a key "synthetc" the format does not have (did you mean "synthetic"?); the keys:'
            " title, synthetic, synthetic_parts, frames, generator, seed, true_coefficients, truth_notes",
        ),
        ({"synthetic": "false"}, {}, 'synthetic must be true or false (JSON, no quotes), got "false"'),
        ({}, {"synthetic": 1}, "frames[0].synthetic must be true or false (JSON, no quotes), got 1"),
        (
            {},
            {"moves": "moves.csv"},
            'frames[0] gives both "moves" and "edges"; give one of the two (the moves were read and the edges'
            " left unread without a word)",
        ),
        (
            {},
            {"edgecov": ["GeoProx.csv"]},
            'frames[0].edgecov must be an object of NAME: file path (e.g. {"GeoProx": "GeoProx.csv"}), got'
            ' ["GeoProx.csv"]',
        ),
        ({}, {"nodes": 7}, "frames[0].nodes must be a file path (relative to study.json's folder), got 7"),
        ({}, {"edges": ""}, 'frames[0].edges must be a file path (relative to study.json\'s folder), got ""'),
        ({}, {"title": None}, "frames[0].title must be a text, got null"),
    ],
)
def test_a_key_study_json_does_not_have_or_a_value_of_the_wrong_kind_is_named(
    tmp_path: Path, top: dict[str, Any], frame: dict[str, Any], message: str
) -> None:
    folder = _example_with(tmp_path, top, frame)
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value).startswith(f"{folder / 'study.json'}: {message}")


def test_the_rebuild_refuses_it_with_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _example_with(tmp_path, {}, {"edgecov": ["GeoProx.csv"]})
    assert main(["study", "rebuild", "--data", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder / 'study.json'}: frames[0].edgecov must be an object")
    assert len(err.splitlines()) == 1


def test_the_embedded_dataset_and_the_worked_example_pass(study_folder: Path) -> None:
    for folder in (study_folder, EXAMPLE):
        assert load_study(folder, list(NODE_TERMS)).frames
