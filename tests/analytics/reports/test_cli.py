"""`triage report ...`: files written, key figures printed, exit codes and messages."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.generate import GeneratorSpec, generate
from tests.analytics.reports.conftest import run_main
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def simulate_run(
    generated: Generated, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, Path, str, str]:
    """One plain `triage report simulate -i <generated> -o <out>` (its exit code, out folder, stdout
    and stderr), shared by the tests that only read what it printed and wrote - the tables it writes
    (-q or not, and whichever thresholds: the same two, synthetic column and all) and its progress
    lines on stderr: each ran a replay of its own (pooling, queries, a plot). The curve test keeps
    its own run, with -q: what it reads is also that -q leaves the curve printed."""
    out = tmp_path_factory.mktemp("simulate") / "sim"
    code, stdout, stderr = run_main(["report", "simulate", "-i", str(generated[0]), "-o", str(out)])
    return code, out, stdout, stderr


def test_imbalance_writes_html_tables_and_plots(
    generated: Generated, imbalance_run: tuple[int, Path, str, str]
) -> None:
    code, out, printed_out, printed_err = imbalance_run
    assert code == 0
    assert "SYNTHETIC DATA" in printed_out
    assert "H3 interrupted time series: local share +" in printed_out
    top = json.loads((out / "summary.json").read_text())["top_hospital"]
    shown = f"most central receiving hospital: {top['facility_id']} (standardized in-degree "
    assert f"{shown}{top['standardized_in_degree']:.3f})" in printed_out, (
        "the page's key figure, also printed"
    )
    assert "nothing rejected" in printed_out
    assert "... pooled" in printed_err
    page = (out / "report.html").read_text()
    assert page.count("SYNTHETIC DATA") == 2 and page.count("data:image/png;base64,") == 6
    for name in (
        "region_month",
        "tier_month",
        "network_edges",
        "hospital_centrality",
        "tier_load",
        "h3_summary",
        "policy_curve",
        "rejections",
    ):
        assert (out / "tables" / f"{name}.csv").is_file()
        csv = pd.read_csv(out / "tables" / f"{name}.csv")
        parquet = pd.read_parquet(out / "tables" / f"{name}.parquet")
        assert len(csv) == len(parquet)
    summary = json.loads((out / "summary.json").read_text())
    assert next(iter(summary.items())) == ("format_version", "clinic-triage-report-summary/3")
    assert "rows_rejected" not in summary and summary["encounter_rows_rejected"] == 0
    assert summary["rows_pooled"] == generated[1]["rows"] and summary["synthetic"] is True
    assert {p.name for p in (out / "plots").iterdir()} >= {"network.png", "h3.png", "policy.png", "load.png"}


def test_imbalance_json_lists_rejections_and_strict_exits_2(
    exported_twice: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, twice = exported_twice
    args = [
        "report",
        "imbalance",
        "-i",
        str(first),
        "-i",
        str(twice),
        "-o",
        str(tmp_path / "r"),
        "--json",
        "-q",
    ]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["format_version"] == "clinic-triage-report-summary/3", "--json is summary.json's format"
    assert payload["files_rejected"] == 1 and "rows_rejected" not in payload
    assert len(payload["rejections"]) == 1
    assert "exported twice" in payload["rejections"][0]["reason"]
    assert main([*args, "--strict"]) == 2


def test_bad_inputs_give_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["report", "imbalance", "-i", str(tmp_path / "missing"), "-o", str(tmp_path / "r"), "-q"]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing: no such file or folder" in err
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(bad)
    assert main(["report", "imbalance", "-i", str(bad), "-o", str(tmp_path / "r"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "no usable encounters table" in err and "bad.parquet: missing column(s): format_version" in err
    assert "Traceback" not in err


def test_simulate_prints_the_curve(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    assert (
        main(["report", "simulate", "-i", str(generated[0]), "-t", "3:0.20,7:0.30", "-o", str(out), "-q"])
        == 0
    )
    text = capsys.readouterr().out
    assert "NEWS2>=3 or risk>=0.20" in text and "NEWS2>=7 or risk>=0.30" in text
    # "missed" had no unit and the sensitivity did not say it is an upper bound (the plot did)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("policy"))
    assert header.split() == ["policy", "referred", "load", "shift", "sensitivity*", "missed", "(patients)"]
    # the load shift in points, as the key figures and the page say a difference of shares: it was
    # printed "-13.7pt", the one place that abbreviated it
    row = next(line for line in lines if line.startswith("NEWS2>=3 or risk>=0.20"))
    assert re.search(r"% +[+-]\d+\.\d points +\d", row) and not re.search(r"\dpt\b", row)
    assert (
        "* an upper bound: the share of the referrals confirmed as justified that the policy would"
        " still refer; patients kept local have no confirmed outcome" in lines
    )
    assert "missed: confirmed-justified referrals the policy would not refer, in patients" in lines
    # the layout of `imbalance`: tables/ and plots/, nothing at the top of --out
    assert (out / "plots" / "policy.png").is_file()
    assert len(pd.read_csv(out / "tables" / "policy_curve.csv")) == 2
    assert (out / "tables" / "policy_curve.parquet").is_file() and (
        out / "tables" / "rejections.csv"
    ).is_file()
    assert sorted(p.name for p in out.iterdir()) == ["plots", "tables"]
    assert f"curve: {out / 'tables' / 'policy_curve.csv'}  plot: {out / 'plots' / 'policy.png'}" in text
    assert main(["report", "simulate", "-i", str(generated[0]), "-t", "high"]) == 2
    assert capsys.readouterr().err == (
        'error: --thresholds "high": expected NEWS2:RISK, e.g. 5:0.20 (NEWS2 a whole number 0-20, risk 0-1'
        " with at most 2 decimals)\n"
    )
    assert main(["report", "simulate", "-i", str(generated[0]), "-t", "21:0.20"]) == 2
    assert capsys.readouterr().err == 'error: --thresholds "21:0.20": NEWS2 21 is outside 0-20\n'
    assert main(["report", "simulate", "-i", str(generated[0]), "--risk-model", "nope", "-q"]) == 2
    assert capsys.readouterr().err == 'error: --risk-model "nope": not in the pooled exports (found: cvd10)\n'


def test_generate_refuses_a_non_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "gen"
    assert (
        main(["report", "generate", "--clinics", "3", "--rows", "600", "--months", "8", "--out", str(out)])
        == 0
    )
    assert "SYNTHETIC" in capsys.readouterr().out
    assert len([p for p in out.iterdir() if p.is_dir()]) == 3
    assert main(["report", "generate", "--out", str(out)]) == 2
    assert "not an empty folder" in capsys.readouterr().err


def test_spark_engine_without_java_or_pyspark_says_how(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    code = main(
        ["report", "imbalance", "-i", str(generated[0]), "-o", str(tmp_path / "r"), "--engine", "spark", "-q"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "pyspark" in err or "Java 17" in err


def _strict(text: str) -> Any:
    """json.loads that refuses NaN and Infinity, as JavaScript's JSON.parse and jq do."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_output_and_summary_are_strict_json_with_null_for_missing_numbers(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from analytics.reports import impact

    # An estimate that could not be computed (NaN, infinite bounds) must come out as null.
    monkeypatch.setattr(
        impact,
        "pooled_its",
        lambda _per_clinic: impact.Estimate(float("nan"), -math.inf, math.inf, math.nan, 3),
    )
    out = tmp_path / "r"
    assert main(["report", "imbalance", "-i", str(generated[0]), "-o", str(out), "--json", "-q"]) == 0
    payload = _strict(capsys.readouterr().out)
    assert payload["h3_its"] == {
        "method": "its",
        "effect": None,
        "ci_low": None,
        "ci_high": None,
        "se": None,
        "clinics": 3,
        "comparison_clinics": None,
        "ci_not_estimable": None,
    }
    assert payload["rows_pooled"] == generated[1]["rows"] and payload["rejections"] == []
    assert _strict((out / "summary.json").read_text())["h3_its"]["effect"] is None


def test_simulate_json_is_strict_with_suppressed_cells_as_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = tmp_path / "small"
    generate(GeneratorSpec(clinics=2, rows=100, months=8, seed=7), small)
    assert main(["report", "simulate", "-i", str(small), "-o", str(tmp_path / "s"), "--json", "-q"]) == 0
    payload = _strict(capsys.readouterr().out)
    # versioned as summary.json is, so a script can tell formats apart
    assert next(iter(payload.items())) == ("format_version", "clinic-triage-report-simulate/1")
    curve = payload["curve"]
    suppressed = [row for row in curve if row["sensitivity"] is None]
    assert suppressed and all(isinstance(row["encounters"], int) for row in curve)


def test_out_that_is_a_file_is_refused_before_any_work(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("not a folder")
    for command in ("imbalance", "simulate"):
        assert main(["report", command, "-i", str(generated[0]), "-o", str(taken)]) == 2
        captured = capsys.readouterr()
        assert captured.err == f"error: --out {taken}: is a file; give a folder (it is created if missing)\n"
    assert taken.read_text() == "not a folder"


def test_memory_limit_reaches_duckdb(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("imbalance", "simulate"):
        args = ["report", command, "-i", str(generated[0]), "-o", str(tmp_path / command), "-q"]
        assert main([*args, "--memory-limit", "lots"]) == 2
        # our words, not DuckDB's ("Memory must have a number"; "Parser Error: ... (e.g. 1GB)")
        assert capsys.readouterr().err == "error: --memory-limit lots: give a size such as 2GB or 500MB\n"
        assert main([*args, "--memory-limit", "2XB"]) == 2  # "Unknown unit for memory: 'xb' (expected: ..."
        assert capsys.readouterr().err == "error: --memory-limit 2XB: give a size such as 2GB or 500MB\n"
    assert (
        main(
            [
                "report",
                "simulate",
                "-i",
                str(generated[0]),
                "-o",
                str(tmp_path / "s"),
                "-q",
                "--memory-limit",
                "500MB",
            ]
        )
        == 0
    )


def test_a_bare_table_says_its_provenance_is_unknown_and_a_table_of_an_export_keeps_its_label(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the manifest says whether data is SYNTHETIC: a table passed without one is never shown
    as if it were real; a table passed by name inside its export folder is read with its manifest."""
    folder = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    bare = tmp_path / "encounters.parquet"
    shutil.copy(folder / "encounters.parquet", bare)

    out = tmp_path / "bare"
    assert main(["report", "imbalance", "-i", str(bare), "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC DATA" not in printed
    assert (
        f"PROVENANCE UNKNOWN - no manifest, so nothing says whether this is real or SYNTHETIC data: {bare}"
        in (printed.splitlines()[0])
    )
    page = (out / "report.html").read_text()
    assert (
        page.count("PROVENANCE UNKNOWN - no manifest") == 2
        and "Provenance unknown: 1 input table came" in page
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["synthetic"] is None and summary["provenance_unknown"] == [str(bare)]
    assert pd.read_csv(out / "tables" / "sources.csv")["synthetic"].isna().all()
    assert pd.read_csv(out / "tables" / "region_month.csv")["synthetic"].isna().all()  # unknown, not False

    assert (
        main(
            [
                "report",
                "simulate",
                "-i",
                str(bare),
                "-t",
                "5:0.20",
                "-o",
                str(tmp_path / "sim"),
                "--json",
                "-q",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["synthetic"] is None and payload["provenance_unknown"] == [str(bare)]
    assert (
        main(["report", "simulate", "-i", str(bare), "-t", "5:0.20", "-o", str(tmp_path / "sim"), "-q"]) == 0
    )
    assert capsys.readouterr().out.startswith("PROVENANCE UNKNOWN - no manifest")

    out = tmp_path / "listed"
    table = folder / "encounters.parquet"
    assert main(["report", "imbalance", "-i", str(table), "-o", str(out), "--json", "-q"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["synthetic"] is True and payload["provenance_unknown"] == []
    page = (out / "report.html").read_text()
    assert page.count("SYNTHETIC DATA") == 2 and "PROVENANCE UNKNOWN" not in page


def test_every_table_file_says_it_is_synthetic(
    imbalance_run: tuple[int, Path, str, str], simulate_run: tuple[int, Path, str, str]
) -> None:
    # the banner is on the page, plots and CLI; a table copied out of tables/ said nothing
    code, out, _, _ = imbalance_run  # -q or not, the same tables
    simulated, sim, _, _ = simulate_run  # (it ran -t 5:0.20 -q: the same two tables)
    assert code == 0 and simulated == 0
    tables = sorted((out / "tables").glob("*.csv")) + sorted((sim / "tables").glob("*.csv"))
    assert len(tables) >= 12
    for path in tables:
        for frame in (pd.read_csv(path), pd.read_parquet(path.with_suffix(".parquet"))):
            assert "synthetic" in frame.columns, path.name
            assert frame["synthetic"].eq(True).all(), path.name


def test_simulate_lists_rejections_as_imbalance_does(
    exported_twice: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # simulate printed only "note: 1 rejection(s), listed in ..."; both commands now print each one
    first, twice = exported_twice
    base = ["-i", str(first), "-i", str(twice), "-q"]
    assert main(["report", "simulate", *base, "-t", "5:0.20", "-o", str(tmp_path / "s")]) == 0
    simulated = capsys.readouterr().out
    assert main(["report", "imbalance", *base, "-o", str(tmp_path / "r")]) == 0
    imbalance = capsys.readouterr().out
    listed = [line for line in simulated.splitlines() if line.startswith("rejected") or line.startswith("  ")]
    assert listed and listed[0] == "rejected (1):" and "exported twice" in listed[1]
    assert all(line in imbalance.splitlines() for line in listed)
    assert main(["report", "simulate", *base, "-t", "5:0.20", "-o", str(tmp_path / "s"), "--json"]) == 0
    assert "exported twice" in json.loads(capsys.readouterr().out)["rejections"][0]["reason"]


def test_rejected_rows_are_counted_per_input_file_kind_alike_in_summary_cli_and_page(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """summary.json said rows_rejected = encounter rows + facility rows + facility values left
    empty (whose rows are kept): each is now its own count, and the CLI prints the report page's words."""
    export = next(p for p in generated[0].iterdir() if (p / "manifest.json").is_file())
    table = pd.read_parquet(next(export.glob("encounters.*")))
    bad = tmp_path / "bad_rows.csv"
    rows = table.head(7).assign(clinic_id="SYN-C-EXTRA", record_id=[f"extra-{n}" for n in range(7)])
    rows.loc[rows.index[:5], "disposition"] = "teleport"  # 5 encounter rows rejected, 2 pooled
    rows.to_csv(bad, index=False)
    directory = pd.read_parquet(export / "facilities.parquet")
    directory["beds"] = directory["beds"].astype("object")
    directory.loc[directory.index[:2], "tier"] = "quaternary"  # 2 facility rows
    directory.loc[directory.index[2:5], "beds"] = "lots"  # 3 values left empty, rows kept
    facilities = tmp_path / "directory.csv"
    directory.to_csv(facilities, index=False)
    out = tmp_path / "report"
    args = ["report", "imbalance", "-i", str(generated[0]), "-i", str(bad), "--facilities", str(facilities)]
    assert main([*args, "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert "rows_rejected" not in summary
    assert (
        summary["encounter_rows_rejected"],
        summary["facility_rows_rejected"],
        summary["facility_values_left_empty"],
    ) == (5, 2, 3)
    words = (
        "5 encounter rows rejected; facilities tables: 2 rows rejected, 3 values left empty; 0 files rejected"
    )
    line = next(line for line in printed.splitlines() if line.startswith("encounters pooled: "))
    assert words in line and line.removeprefix("encounters pooled: ") in (out / "report.html").read_text()
    rejections = pd.read_csv(out / "tables" / "rejections.csv")
    assert sorted(rejections["table"]) == ["encounters", "facilities", "facilities"]


def test_a_facilities_file_that_cannot_be_read_is_one_line(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --facilities CSV in GBK (then: its line alone) or a bad .parquet was a duckdb traceback."""
    gbk = tmp_path / "directory.csv"
    header = b"facility_id,name,tier,region_code,lon,lat,beds,capacity,digital_triage_start\n"
    gbk.write_bytes(header + "ZJ-1,诊所,primary,330122,119.6,29.8,10,40,\n".encode("gbk"))
    junk = tmp_path / "directory.parquet"
    junk.write_bytes(b"not parquet")
    for facilities, why in (
        (
            gbk,
            f'cannot read as csv: line 2, column "name": byte {len(header) + 5} is not UTF-8 (the file'
            " reads as GB18030/GBK, a Chinese encoding); save it as UTF-8",
        ),
        (junk, "cannot read as parquet: Invalid Input Error:"),
    ):
        argv = ["report", "imbalance", "-q", "-i", str(generated[0]), "-o", str(tmp_path / "r")]
        assert main([*argv, "--facilities", str(facilities)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --facilities {facilities}: {why}") and err.count("\n") == 1


def test_a_clinic_directory_csv_as_facilities_says_which_column_to_rename(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The directory a clinic loads (`triage referrals facilities load`) names the id column `id`."""
    from referral.facilities import DEMO_CSV

    argv = ["report", "imbalance", "-q", "-i", str(generated[0]), "-o", str(tmp_path / "r")]
    assert main([*argv, "--facilities", str(DEMO_CSV)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: --facilities {DEMO_CSV}: missing column(s) facility_id; the file's columns no export has:"
        ' "id" and "synthetic"; its \'id\' column is the clinic directory\'s name (`triage referrals facilities'
        " load`): rename it to facility_id\n"
    )


def test_generate_takes_quiet_as_imbalance_and_simulate_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-q` was 'No such option' for generate alone; it silences the progress lines, not the result."""
    assert (
        main(["report", "generate", "--clinics", "2", "--rows", "200", "-q", "--out", str(tmp_path / "q")])
        == 0
    )
    printed = capsys.readouterr()
    assert printed.err == "" and printed.out.startswith("SYNTHETIC: 200 encounters")
    assert (
        main(["report", "generate", "--clinics", "2", "--rows", "200", "--out", str(tmp_path / "loud")]) == 0
    )
    assert "clinic exports written" in capsys.readouterr().err


def test_generate_a_negative_seed_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was numpy's "ValueError: expected non-negative integer" traceback."""
    assert main(["report", "generate", "--seed", "-1", "--out", str(tmp_path / "gen")]) == 2
    err = capsys.readouterr().err
    # typer words the limit ("-1 is not in the range x>=0", "Input should be greater than or equal to 0")
    assert err.startswith('error: triage report generate: Invalid value for "--seed": ') and "0" in err
    assert err.count("\n") == 1 and not (tmp_path / "gen").exists()


@pytest.mark.parametrize("option", ["--table-format", "--format"])
def test_generate_names_its_table_format_option_as_referrals_export_does(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`triage referrals export --format` chooses csv/parquet/.../analytics and `--table-format`
    the tables inside an analytics export; generate's `--format` meant the latter. `--format`
    stays as its old, hidden name."""
    out = tmp_path / "gen"
    args = ["report", "generate", "--clinics", "2", "--rows", "100", "--months", "8", "--out", str(out)]
    assert main([*args, option, "csv", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert next(iter(printed.items())) == ("format_version", "clinic-triage-report-generate/1")
    clinic = sorted(p for p in out.iterdir() if p.is_dir())[0]
    assert {p.name for p in clinic.iterdir()} == {
        "manifest.json",
        "encounters.csv",
        "facilities.csv",
        "aggregates.csv",
    }
    capsys.readouterr()
    assert main(["report", "generate", "--help"]) == 0
    assert "--table-format" in capsys.readouterr().out


@pytest.mark.parametrize("table_format", ["parquet", "jsonl", "csv"])
def test_generate_refuses_format_with_table_format(
    table_format: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--format csv --table-format jsonl` wrote CSV tables without a word (the old name won),
    also when --table-format named the default."""
    out = tmp_path / "gen"
    args = ["report", "generate", "--clinics", "2", "--rows", "100", "--months", "8", "--out", str(out)]
    assert main([*args, "--format", "csv", "--table-format", table_format]) == 2
    assert capsys.readouterr().err == (
        f"error: --format csv and --table-format {table_format}: --format is the old name of"
        " --table-format; give --table-format alone\n"
    )
    assert not out.exists(), "nothing written"


def test_a_directory_that_lacks_the_pooled_facilities_is_a_warning_not_silence(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bare encounters table with a --facilities file of other ids: every referral's tier read
    'unknown' and capacities and locations were empty, with nothing printed to say why."""
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    shutil.copy(export / "encounters.parquet", tmp_path / "encounters.parquet")
    directory = pd.read_parquet(export / "facilities.parquet")
    directory["facility_id"] = "OTHER-" + directory["facility_id"]
    directory.to_csv(tmp_path / "other-region.csv", index=False)
    out = tmp_path / "report"
    args = ["report", "imbalance", "-i", str(tmp_path / "encounters.parquet"), "-o", str(out), "-q"]
    assert main([*args, "--facilities", str(tmp_path / "other-region.csv")]) == 0
    err = capsys.readouterr().err
    clinic = export.name
    hospitals = sorted(pd.read_csv(out / "tables" / "network_edges.csv")["target"].unique())
    assert err.startswith(
        f"warning: facility directory: 1 clinic ({clinic}) and {len(hospitals)} receiving hospitals"
    )
    assert "referrals to them count as tier 'unknown_not_in_directory'" in err and err.count("\n") == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["not_in_directory"] == {"clinics": [clinic], "hospitals": hospitals}
    assert summary["tier_not_recorded"] == {"clinics": [], "hospitals": []}
    assert f"facility directory: 1 clinic ({clinic})" in (out / "report.html").read_text(encoding="utf-8")
    # with the export's own directory nothing is missing and nothing is said
    assert main(["report", "imbalance", "-i", str(export), "-o", str(tmp_path / "ok"), "-q"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_json_prints_no_progress_in_any_report_command(
    generated: Generated,
    imbalance_run: tuple[int, Path, str, str],
    simulate_run: tuple[int, Path, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--json` turned progress off in `report generate` and `triage study`, but `imbalance` and
    `simulate` still wrote '... staging ...' lines to stderr: one meaning, one help text. Each
    command without --json (its progress shown) is the run the module shares."""
    for command, without_json in (("imbalance", imbalance_run), ("simulate", simulate_run)):
        args = ["report", command, "-i", str(generated[0]), "-o", str(tmp_path / command)]
        assert main([*args, "--json"]) == 0
        printed = capsys.readouterr()
        assert printed.err == "" and printed.out.startswith("{")
        code, _, _, err = without_json
        assert code == 0 and "... staging" in err


@pytest.mark.parametrize("command", ["imbalance", "simulate"])
def test_a_missing_input_is_the_only_line_printed_and_names_its_option(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without -q, "... checking 1 input path(s)" came before the error, which did not say which
    option held the path; a missing --facilities file too."""
    missing = tmp_path / "missing"
    assert main(["report", command, "-i", str(missing), "-o", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err == f"error: --input {missing}: no such file or folder\n"
    if command == "imbalance":
        argv = [
            "report",
            command,
            "-i",
            str(tmp_path),
            "--facilities",
            str(missing),
            "-o",
            str(tmp_path / "r"),
        ]
        assert main(argv) == 2
        assert capsys.readouterr().err == f"error: --facilities {missing}: no such file or folder\n"
