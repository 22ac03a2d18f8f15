"""`python -m bench` (what `make bench` runs): every benchmark, no helper module, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import __main__ as runner


def test_the_default_run_is_the_benchmarks_and_not_their_shared_helper() -> None:
    # `timing` has no main(): running every module in the folder once ended `make bench` with an
    # AttributeError traceback after the last benchmark.
    names = runner.benchmarks()
    assert "timing" not in names
    assert {"triage", "riskmodels", "reports", "associations", "devices_latency"} <= set(names)


@pytest.mark.parametrize("argv", [["--json"], ["triage", "nope"]])
def test_an_unknown_name_is_one_line_naming_the_benchmarks(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert runner.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: no benchmark named {argv[-1]};")
    assert "triage" in captured.err and "timing" not in captured.err


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_benchmark_with_what_it_measures(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `python -m bench --help` answered "error: no benchmark named --help" with exit 2
    assert runner.main([flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bench [NAME ...]")
    for name in runner.benchmarks():
        (line,) = [row for row in out.splitlines() if row.startswith(f"  {name} ")]
        assert len(line.split(maxsplit=1)) == 2, line  # the name, then what it measures
    assert "riskmodels" in out and "scikit-learn" in out


def test_the_service_benchmark_runs_register_new_patients_each() -> None:
    """The paced and the saturation wrk runs both counted WRK-1-1, WRK-1-2, ...: since a patient
    has one open visit a day, the saturation run re-assessed the paced run's visits over twice the
    readings instead of registering walk-ins, and its ceiling read about a third lower."""
    import re

    from bench.service import wrk_script

    paced, saturating = (re.findall(r'"mrn":"([^"]+)"', wrk_script("t", rate)) for rate in (305.0, None))
    assert len(paced) == len(saturating) == 1 and paced != saturating, (paced, saturating)


def test_help_piped_to_a_reader_that_stops_early_ends_quietly() -> None:
    # `python -m bench --help | head -1` ended with a BrokenPipeError traceback on stderr
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has stopped: the bench's output meets a closed pipe
    try:
        bench = subprocess.run(
            [sys.executable, "-m", "bench", "--help"],
            cwd=Path(runner.__file__).resolve().parents[1],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert bench.stderr == "", bench.stderr
    assert bench.returncode == 141  # 128 + SIGPIPE, as the triage CLI ends (CLOSED_PIPE_EXIT)
