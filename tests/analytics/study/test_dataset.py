"""Bring-your-own study data: every problem names the file and the place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
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
    with pytest.raises(
        StudyDataError, match=r'edges.csv: line \d+, column "target": target "NOPE" is not a node id'
    ):
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
    with pytest.raises(StudyDataError, match='missing column "HTH"'):
        load_study(folder, list(NODE_TERMS))


def _set_node_cell(folder: Path, line: int, column: str, value: str) -> Path:
    """Write ``value`` into ``column`` of the nodes file's ``line`` (1 is the header); the file."""
    nodes = folder / "nodes.csv"
    lines = nodes.read_text(encoding="utf-8").splitlines()
    row = lines[line - 1].split(",")
    row[lines[0].split(",").index(column)] = value
    lines[line - 1] = ",".join(row)
    nodes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return nodes


def test_non_numeric_value_names_row_and_column(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _set_node_cell(folder, 4, "GDP", "lots")
    with pytest.raises(StudyDataError, match=r'line 4, column "GDP": value "lots" is not a number'):
        load_study(folder, list(NODE_TERMS))


def test_non_square_matrix_is_rejected(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest["frames"][0]["edgecov"] = {"GeoProx": "bad.csv"}
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "bad.csv").write_text("id,R01,R02\nR01,0,1\n", encoding="utf-8")
    with pytest.raises(
        StudyDataError, match=r'node "R02" has no row \(first column\) in the matrix \(1 row, 2'
    ):
        load_study(folder, list(NODE_TERMS))


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(StudyDataError, match=r"no study\.json"):
        load_study(tmp_path, list(NODE_TERMS))


def _write_manifest_edgecov(folder: Path, name: str) -> None:
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest["frames"][0]["edgecov"] = {"GeoProx": name}
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_matrix_without_a_node_and_a_move_to_no_node_quote_the_id_as_json(tmp_path: Path) -> None:
    """The ids were Python reprs ('R12')."""
    folder = _copy(tmp_path)
    ids = [f"R{k:02d}" for k in range(1, 12)]  # R12 left out
    (folder / "geo.csv").write_text(
        "id," + ",".join(ids) + "\n" + "".join(f"{a}," + ",".join("1" for _ in ids) + "\n" for a in ids),
        encoding="utf-8",
    )
    _write_manifest_edgecov(folder, "geo.csv")
    with pytest.raises(
        StudyDataError, match=r'geo.csv: node "R12" has no row \(first column\) in the matrix '
    ):
        load_study(folder, list(NODE_TERMS))
    folder = _copy(tmp_path / "moves")
    (folder / "moves.csv").write_text("origin,destination\nR01,R02\nR03,ZZ\n", encoding="utf-8")
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    del manifest["frames"][0]["edges"]
    manifest["frames"][0]["moves"] = "moves.csv"
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(
        StudyDataError,
        match=r'moves.csv: line 3, column "destination": destination "ZZ" is not a node id of the frame$',
    ):
        load_study(folder, list(NODE_TERMS))


def test_repeated_node_id_names_both_rows(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    nodes = folder / "nodes.csv"
    lines = nodes.read_text(encoding="utf-8").splitlines()
    lines[3] = "R01" + lines[3][3:]  # row 4 of the file repeats row 2's id
    nodes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        StudyDataError,
        match=r'nodes.csv: line 4, column "id": node id "R01" appears more than once \(first on line 2\)',
    ):
        load_study(folder, list(NODE_TERMS))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"nodes.csv: the nodes file is empty \(not even a header row\)"),
        (None, "nodes.csv: the nodes file has a header row but no data rows"),
    ],
)
def test_empty_nodes_file_says_so(tmp_path: Path, text: str | None, message: str) -> None:
    folder = _copy(tmp_path)
    nodes = folder / "nodes.csv"
    header = nodes.read_text(encoding="utf-8").splitlines()[0] + "\n"
    nodes.write_text(header if text is None else text, encoding="utf-8")
    with pytest.raises(StudyDataError, match=message):
        load_study(folder, list(NODE_TERMS))


def test_bad_weight_names_the_value_as_written(tmp_path: Path) -> None:
    # the weight column of the example is called "movers", the name the loader gives its parsed
    # copy: the message showed np.float64(nan) instead of what the file says
    folder = _copy(tmp_path)
    edges = folder / "edges.csv"
    edges.write_text(edges.read_text(encoding="utf-8") + "R01,R02,many\n", encoding="utf-8")
    with pytest.raises(
        StudyDataError, match=r'edges.csv: line \d+, column "movers": weight "many" is not a number'
    ):
        load_study(folder, list(NODE_TERMS))


def test_missing_or_empty_matrix_file_is_a_located_error(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _write_manifest_edgecov(folder, "absent.csv")
    with pytest.raises(StudyDataError, match=r"dyadic covariate file .*absent.csv does not exist"):
        load_study(folder, list(NODE_TERMS))
    (folder / "empty.csv").write_text("", encoding="utf-8")
    _write_manifest_edgecov(folder, "empty.csv")
    with pytest.raises(StudyDataError, match=r"empty.csv: the dyadic covariate file is empty"):
        load_study(folder, list(NODE_TERMS))


def test_a_folder_or_a_file_not_in_utf8_is_a_located_error(tmp_path: Path) -> None:
    """Were an IsADirectoryError traceback and pandas' codec message without the file's byte."""
    folder = _copy(tmp_path)
    (folder / "matrix").mkdir()
    _write_manifest_edgecov(folder, "matrix")
    with pytest.raises(StudyDataError, match=r"dyadic covariate file .*matrix is a folder; give a CSV file"):
        load_study(folder, list(NODE_TERMS))
    folder = _copy(tmp_path / "second")
    nodes = folder / "nodes.csv"
    header = nodes.read_bytes().split(b"\n")[0] + b"\n"
    nodes.write_bytes(header + "甲".encode("gbk") + b",1\n")
    with pytest.raises(
        StudyDataError,
        match=rf'nodes.csv: line 2, column "id": byte {len(header)} is not UTF-8 \(the file reads as'
        r" GB18030/GBK, a Chinese encoding\); save the nodes file as UTF-8",
    ):
        load_study(folder, list(NODE_TERMS))


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"[]", r"study.json: expected a JSON object with 'frames', got list"),
        (b'{"frames": [1]}', r"study.json: frames\[0\] must be an object, got 1"),
        (b'{"frames": [["nodes.csv"]]}', r'study.json: frames\[0\] must be an object, got \["nodes.csv"\]$'),
        (
            b'{"frames": [{"key": "r", "nodes": "nodes.csv"}]}',
            r'study.json: frame "r" needs either "moves" or "edges"$',
        ),
        (
            b'{"frames": [{"nodes": "nodes.csv", "edges": "edges.csv", "min_movers": "many"}]}',
            r'study.json: frames\[0\].min_movers must be a whole number of at least 1, got "many"',
        ),
        ('{"title": "张"}'.encode("gbk"), r"study.json: byte 11 is not UTF-8; save the file as UTF-8"),
    ],
)
def test_a_study_json_of_the_wrong_shape_or_encoding_is_a_located_error(
    tmp_path: Path, manifest: bytes, message: str
) -> None:
    """Were tracebacks: AttributeError ('list' object has no attribute 'get'), ValueError, UnicodeDecodeError."""
    folder = _copy(tmp_path)
    (folder / "study.json").write_bytes(manifest)
    with pytest.raises(StudyDataError, match=message):
        load_study(folder, list(NODE_TERMS))


def test_a_threshold_that_leaves_no_tie_names_the_frame_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """min_movers above every edge weight left an empty network, whose fit ended in 'no convergence
    after 60 Newton steps ... (separation)' (exit 1), naming neither the frame nor the threshold.
    Its counts are said in words: '1 mover', '1,000 movers', not 'mover(s)'."""
    from triage.cli import main

    folder = _copy(tmp_path)
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest["frames"][0]["min_movers"] = 1000
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["study", "rebuild", "--data", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err == (
        f'error: {folder / "study.json"}: frame "region": no pair of units has at least 1,000 movers'
        " (0 ties of 132 dyads), so no model can be fitted; check the moves or edges file, or min_movers\n"
    )
    # every ordered pair a tie is no better
    ids = [f"R{i:02d}" for i in range(1, 13)]
    (folder / "edges.csv").write_text(
        "source,target,movers\n" + "".join(f"{a},{b},5\n" for a in ids for b in ids if a != b),
        encoding="utf-8",
    )
    manifest["frames"][0]["min_movers"] = 1
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StudyDataError, match=r"every ordered pair of units has at least 1 mover \(132 ties"):
        load_study(folder, list(NODE_TERMS))


def test_a_model_that_cannot_be_fitted_names_the_frame_the_model_and_the_term(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every unit with the same HTH: the rebuild ended in 'error: no convergence after 60 Newton
    steps (last step 0.0105); the MLE may not exist (separation)' - which frame, model or term?"""
    import pandas as pd

    from triage.cli import main

    folder = _copy(tmp_path)
    nodes = pd.read_csv(folder / "nodes.csv")
    nodes.assign(HTH=10).to_csv(folder / "nodes.csv", index=False)
    assert main(["study", "rebuild", "--data", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        'error: frame "region", Model 1: nodeicov.HTH (always 10): the same for every dyad,'
        " so not distinguishable from edges"
    )
    assert err.count("\n") == 1


def test_a_matrix_cell_that_is_not_a_number_names_its_line_and_column(tmp_path: Path) -> None:
    """Said "cell (R03, R01) is not a number" alone, where the nodes file named line and column,
    and so did `triage study fit` for the same matrix ('row N' and 'line N' for the same thing)."""
    folder = _copy(tmp_path)
    ids = pd.read_csv(folder / "nodes.csv", dtype={"id": str})["id"].tolist()
    spec = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    spec["frames"][0]["edgecov"] = {"GeoProx": "geo.csv"}
    (folder / "study.json").write_text(json.dumps(spec), encoding="utf-8")
    cells = [[("" if (a, b) == (ids[2], ids[0]) else "1") for b in ids] for a in ids]
    (folder / "geo.csv").write_text(
        "id,"
        + ",".join(ids)
        + "\n"
        + "".join(f"{a}," + ",".join(row) + "\n" for a, row in zip(ids, cells, strict=True)),
        encoding="utf-8",
    )
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value) == (
        f'{folder / "geo.csv"}: line 4, column "{ids[0]}": cell ({ids[2]}, {ids[0]}) is empty; give a number'
    )


def test_an_infinite_value_and_a_weighted_pair_given_twice_name_the_place(tmp_path: Path) -> None:
    """A value of "inf" passed as a number (the fit failed later, 'no convergence ... (separation)'),
    and a weighted pair listed twice kept its first row's weight only: 3 + 5 movers read as 3."""
    folder = _copy(tmp_path)
    original = (folder / "nodes.csv").read_text(encoding="utf-8")
    nodes = _set_node_cell(folder, 4, "GDP", "inf")
    with pytest.raises(
        StudyDataError, match=r'^.*nodes.csv: line 4, column "GDP": value "inf" is not a finite number$'
    ):
        load_study(folder, list(NODE_TERMS))
    nodes.write_text(original, encoding="utf-8")
    edges = folder / "edges.csv"
    first = edges.read_text(encoding="utf-8").splitlines()[1].split(",")
    with edges.open("a", encoding="utf-8") as out:
        out.write(f"{first[0]},{first[1]},5\n")
    count = len(edges.read_text(encoding="utf-8").splitlines())
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value) == (
        f'{edges}: line {count}, columns "source" and "target": the tie "{first[0]}" -> "{first[1]}"'
        " appears more than once (first on line 2), and only one row's weight would be used; give each"
        " pair once (add up its weight)"
    )


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [("lon", "720.5", "-180 to 180 (degrees east)"), ("lat", "-95", "-90 to 90 (degrees north)")],
)
def test_a_seat_off_the_globe_names_its_line(tmp_path: Path, column: str, value: str, words: str) -> None:
    """A longitude of 720.5 was read as it was: GeoProx and the maps were computed from it."""
    folder = _copy(tmp_path)
    nodes = _set_node_cell(folder, 3, column, value)
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert (
        str(refused.value) == f'{nodes}: line 3, column "{column}": value {float(value):g} is outside {words}'
    )


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            ["../evil"],
            'frames[0].key "../evil" is not a short name (letters, digits, _ and -, up to 40): it names the'
            " frame's output files",
        ),
        (
            ["region", "region"],
            'frames[1].key "region" is the key of frames[0] too; each frame\'s outputs are named by its key,'
            " so give each frame its own",
        ),
    ],
    ids=["a path", "twice"],
)
def test_a_frame_key_that_cannot_name_its_outputs_is_refused(
    tmp_path: Path, keys: list[str], message: str
) -> None:
    """A key "../evil" stopped the rebuild with a traceback (OSError) writing outside --out, and a key
    given twice wrote the second frame's tables and figures over the first's."""
    folder = _copy(tmp_path)
    manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    manifest["frames"] = [dict(manifest["frames"][0], key=key) for key in keys]
    (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value) == f"{folder / 'study.json'}: {message}"


@pytest.mark.parametrize("where", ["nodes id", "edges source", "moves origin"])
def test_an_empty_id_cell_names_its_line_and_column(tmp_path: Path, where: str) -> None:
    """An empty node id became a unit called "nan"; an empty source or origin was quoted as
    'source NaN is not a node id'."""
    folder = _copy(tmp_path)
    table, column = where.split()
    if table == "nodes":
        path = _set_node_cell(folder, 13, "id", "")
    elif table == "edges":
        path = folder / "edges.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[1] = "," + lines[1].split(",", 1)[1]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path = folder / "moves.csv"
        path.write_text("person_id,origin,destination\np1,R01,R02\np2,,R03\n", encoding="utf-8")
        manifest = json.loads((folder / "study.json").read_text(encoding="utf-8"))
        manifest["frames"][0].pop("edges")
        manifest["frames"][0]["moves"] = "moves.csv"
        (folder / "study.json").write_text(json.dumps(manifest), encoding="utf-8")
    line, fix = {
        "nodes": (13, "give each unit an id"),
        "edges": (2, "give a node id"),
        "moves": (3, "give a node id"),
    }[table]
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value) == f'{path}: line {line}, column "{column}" is empty; {fix}'


def test_a_negative_number_of_movers_names_its_line_and_column(tmp_path: Path) -> None:
    """A weight of -3 movers was read as below min_movers, no tie, without a word: a sign typed in
    a count took a tie out of the study."""
    folder = _copy(tmp_path)
    edges = folder / "edges.csv"
    lines = edges.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "R01,R03,3"
    edges.write_text("\n".join([lines[0], "R01,R03,-3", *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(StudyDataError) as refused:
        load_study(folder, list(NODE_TERMS))
    assert str(refused.value) == (
        f'{edges}: line 2, column "movers": weight "-3" is not a number of movers (a number 0 or more)'
    )
