from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

from analytics.study.generator import generate

if TYPE_CHECKING:
    from analytics.study.rebuild import RebuildResult

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"

T = TypeVar("T")


@pytest.fixture(scope="session")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("study") / "data")


def _once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """``build(folder)`` once in the whole test run. Under pytest-xdist the first worker to ask builds
    it in the run's shared temporary folder, holding a lock, and pickles what it returned; the
    others wait on the lock and read that back. Tests must not change the files it wrote."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, the same for every worker
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = shared / f"{name}.pickle"
        if kept.exists():
            made: T = pickle.loads(kept.read_bytes())
            return made
        (shared / name).mkdir()
        made = build(shared / name)
        kept.write_bytes(pickle.dumps(made))
        return made


def _rebuild_embedded(out: Path) -> tuple[RebuildResult, list[str]]:
    from analytics.study.rebuild import rebuild

    steps: list[str] = []
    result = rebuild(out, progress=lambda step, done, total: steps.append(step))
    return result, steps


@pytest.fixture(scope="session")
def embedded_rebuild(tmp_path_factory: pytest.TempPathFactory) -> tuple[RebuildResult, list[str]]:
    """One ``rebuild()`` of the embedded dataset - its result and the progress steps it said - for
    every test that only reads what it returned and wrote: a rebuild generates the data, fits
    Models 1-3 for two frames and simulates and draws their figures, a minute or more on a loaded
    2-core machine, and four test files each ran their own. Runs with other data or options stay
    their own."""
    return _once_per_run(tmp_path_factory, "embedded_rebuild", _rebuild_embedded)


def _worked_example_cli(*options: str) -> Callable[[Path], tuple[int, Path, str, str]]:
    def run(folder: Path) -> tuple[int, Path, str, str]:
        from triage.cli import main

        out = folder / "out"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["study", "rebuild", "--data", str(EXAMPLE), "--out", str(out), *options])
        return code, out, stdout.getvalue(), stderr.getvalue()

    return run


@pytest.fixture(scope="session")
def worked_example_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str, str]:
    """One `triage study rebuild --data examples/study --json` (its exit code, --out folder, stdout
    and stderr) for the tests that only read what it printed and wrote (two files ran their own)."""
    return _once_per_run(tmp_path_factory, "worked_example_json", _worked_example_cli("--json"))


@pytest.fixture(scope="session")
def worked_example_quiet(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str, str]:
    """One `triage study rebuild --data examples/study --quiet`, as ``worked_example_json`` (three
    files ran their own)."""
    return _once_per_run(tmp_path_factory, "worked_example_quiet", _worked_example_cli("--quiet"))


@pytest.fixture(scope="session")
def worked_example_r_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str, str]:
    """One `triage study rebuild --data examples/study --backend r --json`, as ``worked_example_json``
    (two files ran their own); the test is skipped, saying why, where R's backend cannot run."""
    from analytics.rbridge import r_available

    ok, why = r_available()
    if not ok:
        pytest.skip(f"R backend unavailable: {why}")
    return _once_per_run(
        tmp_path_factory, "worked_example_r_json", _worked_example_cli("--backend", "r", "--json")
    )
