"""`python -m bench` (what `make bench` runs): every benchmark, no helper module, clear errors."""

from __future__ import annotations

import pytest

from bench import __main__ as runner


def test_the_default_run_is_the_benchmarks_and_not_their_shared_helper() -> None:
    # `timing` has no main(): running every module in the folder once ended `make bench` with an
    # AttributeError traceback after the last benchmark.
    names = runner.benchmarks()
    assert "timing" not in names
    assert {"triage", "riskmodels", "reports", "associations", "devices_latency"} <= set(names)


@pytest.mark.parametrize("argv", [["--help"], ["triage", "nope"]])
def test_an_unknown_name_is_one_line_naming_the_benchmarks(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert runner.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"error: no benchmark named {argv[-1]};")
    assert "triage" in captured.err and "timing" not in captured.err


def test_the_service_benchmark_runs_register_new_patients_each() -> None:
    """The paced and the saturation wrk runs both counted WRK-1-1, WRK-1-2, ...: since a patient
    has one open visit a day, the saturation run re-assessed the paced run's visits over twice the
    readings instead of registering walk-ins, and its ceiling read about a third lower."""
    import re

    from bench.service import wrk_script

    paced, saturating = (re.findall(r'"mrn":"([^"]+)"', wrk_script("t", rate)) for rate in (305.0, None))
    assert len(paced) == len(saturating) == 1 and paced != saturating, (paced, saturating)
