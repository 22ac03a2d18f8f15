"""An edges file's sender and receiver are read by their header names, not by position: a file
``source,movers,target`` was read as if ``movers`` were the target (silent corruption)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import NetworkInputError
from analytics.network_files import read_edges
from analytics.study.dataset import StudyDataError, load_study
from analytics.study.generator import NODE_TERMS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "study"


def _reordered(tmp_path: Path) -> Path:
    """The worked example with its edges file's columns in the order source,movers,target."""
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    edges = pd.read_csv(folder / "edges.csv", dtype=str)
    edges[["source", "movers", "target"]].to_csv(folder / "edges.csv", index=False)
    return folder


def _pairs(edges: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(edges["source"], edges["target"], strict=True))


def test_fit_reader_takes_target_by_name(tmp_path: Path) -> None:
    folder = _reordered(tmp_path)
    ids = set(pd.read_csv(EXAMPLE / "nodes.csv", dtype=str)["id"])
    expected = read_edges(EXAMPLE / "edges.csv", ids)
    edges = read_edges(folder / "edges.csv", ids)
    assert _pairs(edges) == _pairs(expected)
    assert edges["movers"].tolist() == expected["movers"].tolist()


def test_study_reader_takes_target_by_name(tmp_path: Path) -> None:
    folder = _reordered(tmp_path)
    expected = load_study(EXAMPLE, list(NODE_TERMS)).frames[0].edges
    edges = load_study(folder, list(NODE_TERMS)).frames[0].edges
    assert _pairs(edges) == _pairs(expected)
    assert sorted(edges["movers"]) == sorted(expected["movers"])


@pytest.mark.parametrize("header", ["source,movers", "origin,destination,movers", "a,b"])
def test_no_receiver_column_is_refused_naming_file_header_and_expected(tmp_path: Path, header: str) -> None:
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    width = len(header.split(","))
    (folder / "edges.csv").write_text(
        header + "\n" + ",".join(["R01", "R02", "3"][:width]) + "\n", encoding="utf-8"
    )
    expected = (
        f'{folder / "edges.csv"}: the header row is "{header}"; the sender and receiver columns'
        ' must be named "source" and "target" (or "from" and "to")'
    )
    with pytest.raises(NetworkInputError) as fit_error:
        read_edges(folder / "edges.csv", {"R01", "R02"})
    assert str(fit_error.value) == expected
    with pytest.raises(StudyDataError) as study_error:
        load_study(folder, list(NODE_TERMS))
    assert str(study_error.value) == expected


@pytest.mark.parametrize("header", ["from,to,movers", "Source,Target,movers"])
def test_study_reader_keeps_leading_zeros_of_ids_under_any_sender_receiver_names(
    tmp_path: Path, header: str
) -> None:
    """Ids such as "01" (a GB/T 2260-like code) under "from,to" were read as the number 1 and
    refused as 'source "1" is not a node id': only "source,target" columns were read as text."""
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    for name in ("nodes.csv", "edges.csv"):
        text = re.sub(r"\bR(\d\d)\b", r"0\1", (folder / name).read_text(encoding="utf-8"))
        (folder / name).write_text(text, encoding="utf-8")
    edges = (folder / "edges.csv").read_text(encoding="utf-8").splitlines()
    (folder / "edges.csv").write_text("\n".join([header, *edges[1:]]) + "\n", encoding="utf-8")
    loaded = load_study(folder, list(NODE_TERMS)).frames[0].edges
    expected = load_study(EXAMPLE, list(NODE_TERMS)).frames[0].edges
    assert _pairs(loaded) == {(a.replace("R", "0"), b.replace("R", "0")) for a, b in _pairs(expected)}
