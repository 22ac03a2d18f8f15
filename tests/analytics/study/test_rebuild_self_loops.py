"""`triage study rebuild --data` says how many rows from a unit to itself it ignored, and where, with
the words `triage study fit` prints for the same file: it had dropped them without a word, so an
analyst whose edge list or moves held within-unit moves did not learn that they were not fitted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analytics.study.dataset import StudyDataError, load_study
from analytics.study.generator import NODE_TERMS
from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def _example_with(tmp_path: Path, rows: list[str]) -> Path:
    """The worked example with ``rows`` inserted in its edge list after the third data row (lines 5
    on)."""
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    lines = (folder / "edges.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "edges.csv").write_text(
        "".join(lines[:4] + [f"{r}\n" for r in rows] + lines[4:]), encoding="utf-8"
    )
    return folder


def test_the_rebuild_notes_the_self_loops_it_ignores_as_study_fit_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], worked_example_quiet: tuple[int, Path, str, str]
) -> None:
    folder = _example_with(tmp_path, ["R02,R02,4", "R01,R05,2", "R07,R07,9"])
    edges = folder / "edges.csv"
    out = tmp_path / "out"
    assert main(["study", "rebuild", "--data", str(folder), "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout is still the result alone
    note = (
        f"note: {edges}: 2 rows from a unit to itself ignored (lines 5, 7): a tie from a unit to itself"
        " is no tie of the model"
    )
    assert captured.err.splitlines() == [note]
    fit = ["study", "fit", "--nodes", str(folder / "nodes.csv"), "--edges", str(edges), "--json"]
    assert main([*fit, "--formula", 'edges + nodeicov("HTH")']) == 0
    assert capsys.readouterr().err.splitlines() == [note]  # the same words
    # the report says it under the frame's table, so a reader of report.html learns it too
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"{edges}: 2 rows from a unit to itself ignored (lines 5, 7)" in report
    # and a rebuild without any (`triage study rebuild --data examples/study -q`) says nothing of them
    code, _, _, err = worked_example_quiet
    assert code == 0
    assert "itself" not in err


def test_moves_within_a_unit_are_noted_too(tmp_path: Path) -> None:
    """The moves file's rows from a unit to itself, ignored as the docs say, are counted and located."""
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    moves = ["person_id,origin,destination", "P1,R01,R03", "P2,R04,R04", "P3,R02,R05"]
    moves += [f"P{k},R06,R06" for k in range(4, 11)]
    (folder / "moves.csv").write_text("\n".join(moves) + "\n", encoding="utf-8")
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    del manifest["frames"][0]["edges"]
    manifest["frames"][0]["moves"] = "moves.csv"
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    (frame,) = load_study(folder, list(NODE_TERMS)).frames
    assert frame.self_loops == (
        f"note: {folder / 'moves.csv'}: 8 rows from a unit to itself ignored (lines 3, 5, 6, 7, 8, ... (3 more)):"
        " a tie from a unit to itself is no tie of the model"
    )
    assert len(frame.edges) == 2


def test_an_edge_list_of_self_loops_only_is_refused_as_study_fit_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was refused as a threshold that left no tie ('no pair of units has at least 1 mover(s)
    ... check the moves or edges file, or min_movers'), which says nothing of the loops."""
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    (folder / "edges.csv").write_text("source,target,movers\nR01,R01,3\nR02,R02,5\n", encoding="utf-8")
    assert main(["study", "rebuild", "--data", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err == (
        f"error: {folder / 'edges.csv'}: every row is from a unit to itself (2 rows), so the network has"
        " no tie between two units to fit; give the moves between units\n"
    )
    (folder / "moves.csv").write_text("person_id,origin,destination\nP1,R03,R03\n", encoding="utf-8")
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    del manifest["frames"][0]["edges"]
    manifest["frames"][0]["moves"] = "moves.csv"
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StudyDataError, match=r"moves\.csv: every row is from a unit to itself \(1 row\)"):
        load_study(folder, list(NODE_TERMS))
