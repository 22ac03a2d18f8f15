"""`triage study fit` on input it cannot fit: bad network, nodes and covariate files, files that are
folders, not UTF-8 or missing, a bad reference or formula - exit 2 and one line saying where."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analytics.ergm.fit_cli import FIT, MCMC_FIT, _files
from triage.cli import main


def test_bad_inputs_exit_2_and_say_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--formula", "edges"]
    bad_edges = tmp_path / "bad_edges.csv"
    bad_edges.write_text("source,target\nu1,ghost\n", encoding="utf-8")
    assert main([*base, "--edges", str(bad_edges)]) == 2
    assert 'bad_edges.csv: line 2, column "target": target "ghost" is not an id' in capsys.readouterr().err
    assert main([*base, "--edges", str(f["edges"]), "--formula", "edges + nodeicov('NOPE')"]) == 2
    err = capsys.readouterr().err
    assert 'no node attribute "NOPE"' in err and "nodes.csv: no node attribute" in err
    square = tmp_path / "ragged.csv"
    square.write_text("id,u0,u1\nu0,0,1\n", encoding="utf-8")
    assert main([*base, "--edges", str(f["edges"]), "--edgecov", f"G={square}"]) == 2
    assert f'--edgecov G={square}: node "u1" has no row (first column)' in capsys.readouterr().err


def _said(message: str, folder: Path) -> str:
    """The error line for ``message`` about a file in ``folder``: one about the covariate file
    cov.csv names its option, --edgecov C=..., as given."""
    if message.startswith("cov.csv: "):
        return f"error: --edgecov C={folder / 'cov.csv'}: {message.removeprefix('cov.csv: ')}\n"
    return f"error: {folder / message}\n"


@pytest.mark.parametrize(
    ("edges_text", "covariate_text", "message"),
    [
        # the edges file's errors now name the column as the nodes file's do (line 2, column ...)
        ("from,to,movers\nu1,u2,many\n", None, 'edges.csv: line 2, column "movers": "many" is not a number'),
        (
            "from,to\nu1,ghost\n",
            None,
            'edges.csv: line 2, column "to": target "ghost" is not an id in the nodes file {nodes}',
        ),
        (
            None,
            "source,target,value\nu1,ghost,1\n",
            'cov.csv: line 2, column "target": "ghost" is not an id in the nodes file {nodes}',
        ),
        (
            None,
            "source,target,value\nu1,u2,high\n",
            'cov.csv: line 2, column "value": value "high" is not a number',
        ),
        (
            None,
            "id,u0,u1\nu0,0,1\nu1,1,0\n",
            'cov.csv: node "u2" has no row (first column) in the matrix (2 rows, 2 columns); a matrix has'
            " a row (first column) and a column (header row) for each of the 15 nodes in the nodes file"
            " {nodes}, or give a long table source,target,value",
        ),
    ],
)
def test_values_in_bad_network_files_are_quoted_as_json(
    edges_text: str | None,
    covariate_text: str | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """These values were Python reprs ('many', 'ghost'); the nodes file's errors quote as JSON."""
    f = _files(tmp_path)
    if edges_text is not None:
        f["edges"].write_text(edges_text, encoding="utf-8")
    covariate = tmp_path / "cov.csv"
    covariate.write_text(covariate_text or "source,target,value\nu1,u2,1\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    argv += ["--edgecov", f"C={covariate}", "--formula", 'edges + edgecov("C")']
    assert main(argv) == 2
    assert capsys.readouterr().err == _said(message.format(nodes=f["nodes"]), tmp_path)


def test_a_matrix_cell_that_is_not_a_number_and_a_bad_edgecov_are_quoted_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _files(tmp_path)
    ids = [f"u{k}" for k in range(15)]
    rows = [",".join([a, *("x" if (a, b) == ("u0", "u1") else "0" for b in ids)]) for a in ids]
    f["geo"].write_text("id," + ",".join(ids) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    argv += ["--formula", 'edges + edgecov("G")']
    assert main([*argv, "--edgecov", f"G={f['geo']}"]) == 2
    # said "cell (u0, u1) ..." alone: the line and column now, as for the nodes file
    assert (
        capsys.readouterr().err
        == f'error: --edgecov G={f["geo"]}: line 2, column "u1": cell (u0, u1) value "x" is not a number\n'
    )
    empty = [",".join([a, *("" if (a, b) == ("u2", "u0") else "0" for b in ids)]) for a in ids]
    f["geo"].write_text("id," + ",".join(ids) + "\n" + "\n".join(empty) + "\n", encoding="utf-8")
    assert main([*argv, "--edgecov", f"G={f['geo']}"]) == 2  # said 'value "" is not a number'
    assert (
        capsys.readouterr().err
        == f'error: --edgecov G={f["geo"]}: line 4, column "u0": cell (u2, u0) is empty; give a number\n'
    )
    assert main([*argv, "--edgecov", "G"]) == 2
    assert capsys.readouterr().err == 'error: --edgecov "G": expected NAME=FILE.csv\n'


@pytest.mark.parametrize(
    ("nodes_text", "message"),
    [
        ("", "nodes.csv: the nodes file is empty (not even a header row)"),
        ("id,HTH\n", "nodes.csv: the nodes file has a header row but no data rows"),
        (
            "id,HTH\nu0,1\nu1,2\nu0,3\n",
            'nodes.csv: line 4, column "id": node id "u0" appears more than once (first on line 2)',
        ),
        ("id,HTH\nu0,1\n,2\n", 'nodes.csv: line 3, column "id": empty id'),
        (
            "id,HTH\nu0,1\nu1,many\n",
            'nodes.csv: line 3, column "HTH": node attribute "HTH": node "u1" has non-numeric value "many"',
        ),
        # said 'has non-numeric value ""'
        (
            "id,HTH\nu0,1\nu1,\n",
            'nodes.csv: line 3, column "HTH": node attribute "HTH": node "u1" has no value (an empty cell);'
            " give a number",
        ),
        # pandas' own words: "cannot read as CSV: Error tokenizing data. C error: Expected 2 fields in
        # line 3, saw 3\x0a" and "... C error: EOF inside string starting at row 2"
        (
            "id,HTH\nu0,1\nu1,1,5\n",
            'nodes.csv: not a valid CSV file: line 3: 3 fields where the header row has 2 (its last, "HTH", is'
            " spreadsheet column B): field 3 (column C) has no column name; quote a value that holds a comma"
            " (the fields after it moved right)",
        ),
        (
            'id,HTH\nu0,1\nu1,"2\nu2,3\n',
            'nodes.csv: not a valid CSV file: line 3, column "HTH": a quoted field (opened by ") is never'
            " closed",
        ),
        # a short row was read with its missing fields empty, and a file separated by semicolons
        # or tabs (a spreadsheet's export) said 'no "id" column (columns: id;HTH)'
        (
            "id,HTH,EDU\nu0,1,12\nu1,2\n",
            "nodes.csv: not a valid CSV file: line 3: 2 fields where the header row has 3: the row ends at column"
            ' "HTH" (spreadsheet column B), with no field for "EDU" (column C); give every row a field for each'
            " column of the header (an empty field for a missing value)",
        ),
        (
            "id;HTH\nu0;1\nu1;2\n",
            'nodes.csv: not a valid CSV file: line 1: the header row is separated by ";", not by commas'
            " (it has no comma); save the file as comma-separated CSV",
        ),
        (
            "id\tHTH\nu0\t1\nu1\t2\n",
            "nodes.csv: not a valid CSV file: line 1: the header row is separated by tabs, not by commas"
            " (it has no comma); save the file as comma-separated CSV",
        ),
        (
            'id,HTH\nu0,"1\n"\nu1,2,3\n',
            'nodes.csv: not a valid CSV file: line 4: 3 fields where the header row has 2 (its last, "HTH", is'
            " spreadsheet column B): field 3 (column C) has no column name; quote a value that holds a comma"
            " (the fields after it moved right)",
        ),
    ],
)
def test_a_bad_nodes_file_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], nodes_text: str, message: str
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(nodes_text, encoding="utf-8")
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\nu0,u1\n", encoding="utf-8")
    argv = [
        "study",
        "fit",
        "--nodes",
        str(nodes),
        "--edges",
        str(edges),
        "--formula",
        'edges + nodeicov("HTH")',
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback


def test_an_edgecov_given_twice_or_not_in_the_formula_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second file of a name given twice was used without a word; a covariate the formula never
    names was read and not used."""
    f = _files(tmp_path)
    base = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    formula = ["--formula", 'edges + edgecov("GeoProx")']
    assert main([*base, *formula, "--edgecov", f"GeoProx={f['geo']}"]) == 0
    capsys.readouterr()
    twice = ["--edgecov", f"GeoProx={f['geo']}", "--edgecov", f"GeoProx={f['cul']}"]
    assert main([*base, *formula, *twice]) == 2
    assert capsys.readouterr().err == (
        f"error: --edgecov GeoProx={f['geo']} and --edgecov GeoProx={f['cul']} give the same covariate"
        ' "GeoProx" twice; give each covariate once\n'
    )
    unused = ["--edgecov", f"GeoProx={f['geo']}", "--edgecov", f"CulProx={f['cul']}"]
    assert main([*base, *formula, *unused]) == 2
    assert capsys.readouterr().err == (
        f'error: --edgecov CulProx={f["cul"]}: the formula has no edgecov("CulProx"), so this covariate'
        ' would not be used; add edgecov("CulProx") to --formula, or drop the option\n'
    )


def test_an_unknown_reference_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    """Said "reference must be 'bernoulli' or 'poisson', not 'foo'", naming no option."""
    assert main([*MCMC_FIT, "--reference", "foo"]) == 2
    assert capsys.readouterr().err == (
        'error: triage study fit: Invalid value for "--reference": "foo" is not one of "bernoulli",'
        ' "poisson" (see `triage study fit --help`)\n'
    )


def test_a_folder_or_a_file_not_in_utf8_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder where a CSV file belongs was an IsADirectoryError traceback; a GBK file said
    only pandas' "'utf-8' codec can't decode byte 0xbc in position 0"."""
    f = _files(tmp_path)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,HTH\nu0,1\n甲,2\n".encode("gbk"))
    base = ["study", "fit", "--formula", "edges"]
    cases = [
        (
            ["--nodes", str(tmp_path), "--edges", str(f["edges"])],
            f"--nodes {tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(f["nodes"]), "--edges", str(tmp_path)],
            f"--edges {tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(f["nodes"]), "--edges", str(f["edges"]), "--edgecov", f"G={tmp_path}"],
            f"--edgecov G={tmp_path}: a folder; give the CSV file itself",
        ),
        (
            ["--nodes", str(gbk), "--edges", str(f["edges"])],
            f'{gbk}: line 3, column "id": byte 12 is not UTF-8 (the file reads as GB18030/GBK, a'
            " Chinese encoding); save the nodes file as UTF-8",
        ),
    ]
    for argv, message in cases:
        assert main([*base, *argv]) == 2
        assert capsys.readouterr().err == f"error: {message}\n"


def test_a_missing_file_names_its_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said 'nodes file nope.csv does not exist', 'dyadic covariate file geo.csv does not exist':
    not which option to correct."""
    f = _files(tmp_path)
    monkeypatch.chdir(tmp_path)
    base = ["study", "fit", "--formula", "edges"]
    cases = [
        (["--nodes", "nope.csv", "--edges", "edges.csv"], "--nodes nope.csv: no such file"),
        (["--nodes", "nodes.csv", "--edges", "nope.csv"], "--edges nope.csv: no such file"),
        (
            ["--nodes", "nodes.csv", "--edges", "edges.csv", "--edgecov", "G=nope.csv"],
            "--edgecov G=nope.csv: no such file",
        ),
    ]
    assert f["nodes"].name == "nodes.csv" and f["edges"].name == "edges.csv"
    for argv, message in cases:
        assert main([*base, *argv]) == 2
        assert capsys.readouterr().err == f"error: {message}\n"


@pytest.mark.parametrize(
    ("formula", "valued", "says"),
    [
        (
            'edges + nodeicov("HTH") + foo',
            False,
            'unknown term "foo"; the terms of a binary model: edges, nodecov, nodeicov, nodeocov, edgecov,'
            " absdiff, nodematch, nodefactor, mutual, triangle, gwesp",
        ),
        (
            'sum + absdiff("HTH")',
            True,
            'term "absdiff" is for a binary model, not a valued one; the terms of a valued model: sum,'
            " nodecov, nodeicov, nodeocov, edgecov",
        ),
        ('edges + nodeicov("HTH"', False, "unbalanced parentheses or quotes"),
    ],
)
def test_a_formula_error_names_the_option_and_the_known_terms(
    formula: str, valued: bool, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*FIT, formula, *(["--response", "movers"] if valued else [])]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --formula: ") and says in err, err
    assert len(err.splitlines()) == 1


def test_the_formula_help_lists_the_engines_terms() -> None:
    """--formula's help gave one example and no list of terms; it now lists them, as the engine
    knows them (a new term must be added to both)."""
    import typer

    from analytics.ergm.terms import BINARY_TERMS, VALUED_TERMS
    from triage.cli import app

    fit = typer.main.get_command(app).commands["study"].commands["fit"]  # type: ignore[attr-defined]
    formula = next(p for p in fit.params if p.name == "formula").help
    assert f"Terms: {', '.join(BINARY_TERMS)};" in formula, formula
    assert f"with --response: {', '.join(VALUED_TERMS)} (docs/ergm.md)." in formula


def test_a_nodes_file_in_gbk_names_line_column_and_the_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A nodes file saved from a Chinese spreadsheet (GBK) said only "byte 15 is not UTF-8"."""
    nodes = tmp_path / "nodes.csv"
    nodes.write_bytes("id,name,HTH\nu0,杭州,1\nu1,宁波,2\n".encode("gbk"))
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\nu0,u1\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(nodes), "--edges", str(edges), "--formula", "edges"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f'error: {nodes}: line 2, column "name": byte 15 is not UTF-8 (the file reads as GB18030/GBK,'
        " a Chinese encoding); save the nodes file as UTF-8\n"
    )


@pytest.mark.parametrize(
    ("nodes_cell", "edges_text", "covariate_text", "argv", "message"),
    [
        # pandas reads "inf", "Infinity" and "1e999" as numbers: they were taken, and the fit failed
        # with numpy's RuntimeWarnings and "no convergence ... (separation)"
        (
            "inf",
            None,
            None,
            ["--formula", 'edges + nodeicov("HTH")'],
            'nodes.csv: line 2, column "HTH": node attribute "HTH": node "u0" has value "inf", not a'
            " finite number",
        ),
        (
            None,
            "source,target,movers\nu1,u2,1e999\n",
            None,
            ["--formula", "sum", "--response", "movers"],
            'edges.csv: line 2, column "movers": "1e999" is not a finite number',
        ),
        (
            None,
            None,
            "source,target,value\nu1,u2,-Infinity\n",
            ["--formula", 'edges + edgecov("C")', "--edgecov", "C={cov}"],
            'cov.csv: line 2, column "value": value "-Infinity" is not a finite number',
        ),
        # a pair given twice: only the last row's count was used, the other's movers lost
        (
            None,
            "source,target,movers\nu1,u2,3\nu2,u1,4\nu1,u2,5\n",
            None,
            ["--formula", "sum", "--response", "movers"],
            'edges.csv: line 4, columns "source" and "target": the tie "u1" -> "u2" appears more than'
            ' once (first on line 2), and only one row\'s "movers" count would be used; give each pair'
            ' once (add up its "movers" count)',
        ),
        # a covariate pair given twice: the last row's value replaced the first
        (
            None,
            None,
            "source,target,value\nu1,u2,1\nu3,u4,2\nu1,u2,7\n",
            ["--formula", 'edges + edgecov("C")', "--edgecov", "C={cov}"],
            'cov.csv: line 4, columns "source" and "target": the pair "u1" -> "u2" appears more than'
            " once (first on line 2), and only one row's value would be used; give each pair once",
        ),
    ],
    ids=[
        "infinite attribute",
        "infinite count",
        "infinite covariate",
        "a valued pair twice",
        "a covariate pair twice",
    ],
)
def test_infinite_values_and_a_counted_pair_given_twice_are_refused_saying_where(
    nodes_cell: str | None,
    edges_text: str | None,
    covariate_text: str | None,
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    f = _files(tmp_path)
    if nodes_cell is not None:
        lines = f["nodes"].read_text(encoding="utf-8").splitlines()
        first = lines[1].split(",")
        lines[1] = ",".join([first[0], nodes_cell, *first[2:]])
        f["nodes"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    if edges_text is not None:
        f["edges"].write_text(edges_text, encoding="utf-8")
    covariate = tmp_path / "cov.csv"
    covariate.write_text(covariate_text or "source,target,value\nu1,u2,1\n", encoding="utf-8")
    options = [a.format(cov=covariate) for a in argv]
    assert main(["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"]), *options, "-q"]) == 2
    assert capsys.readouterr().err == _said(message, tmp_path)


def test_a_binary_network_may_list_a_tie_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tie is a tie: individual moves listed one per row stay a binary network's input."""
    f = _files(tmp_path)
    f["edges"].write_text("source,target\nu1,u2\nu1,u2\nu2,u3\n", encoding="utf-8")
    files = ["--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    assert main(["study", "fit", *files, "--formula", "edges", "-q"]) == 0
    assert capsys.readouterr().err == ""
