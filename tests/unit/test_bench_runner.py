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
