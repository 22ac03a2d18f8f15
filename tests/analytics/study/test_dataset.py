"""Bring-your-own study data: every problem names the file and the place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analytics.study.dataset import StudyDataError, load_study
from analytics.study.generator import NODE_TERMS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(EXAMPLE, target)
    return target


def test_worked_example_loads() -> None:
    study = load_study(EXAMPLE, list(NODE_TERMS))
    assert [f.key for f in study.frames] == ["region"]
    frame = study.frames[0]
    assert frame.n == 12
    assert set(frame.edgecov) == {"GeoProx", "CulProx"}
    assert frame.adjacency().sum() == len(frame.edges)


def test_embedded_dataset_threshold_reproduces_ties(study_folder: Path) -> None:
    study = load_study(study_folder, list(NODE_TERMS))
    zhejiang = next(f for f in study.frames if f.key == "zhejiang")
    assert zhejiang.n_moves is not None and zhejiang.n_moves > len(zhejiang.edges)
    assert (zhejiang.edges["movers"] >= 1).all()


def test_unknown_id_in_edges_names_file_and_row(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    edges = folder / "edges.csv"
    edges.write_text(edges.read_text(encoding="utf-8") + "R01,NOPE,3\n", encoding="utf-8")
    with pytest.raises(StudyDataError, match=r"edges.csv: row \d+: target 'NOPE' is not a node id"):
        load_study(folder, list(NODE_TERMS))


def test_missing_attribute_names_the_column(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    nodes = folder / "nodes.csv"
    lines = nodes.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    drop = header.index("HTH")
    nodes.write_text(
        "\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != drop) for line in lines) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(StudyDataError, match="missing column 'HTH'"):
        load_study(folder, list(NODE_TERMS))


def test_non_numeric_value_names_row_and_column(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    nodes = folder / "nodes.csv"
    lines = nodes.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")
    row[header.index("GDP")] = "lots"
    lines[3] = ",".join(row)
    nodes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(StudyDataError, match=r"row 4, column 'GDP': value 'lots' is not a number"):
        load_study(folder, list(NODE_TERMS))


def test_non_square_matrix_is_rejected(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest["frames"][0]["edgecov"] = {"GeoProx": "bad.csv"}
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "bad.csv").write_text("id,R01,R02\nR01,0,1\n", encoding="utf-8")
    with pytest.raises(StudyDataError, match="not square"):
        load_study(folder, list(NODE_TERMS))


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(StudyDataError, match=r"no study\.json"):
        load_study(tmp_path, list(NODE_TERMS))
