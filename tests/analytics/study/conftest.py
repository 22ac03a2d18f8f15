from __future__ import annotations

import fcntl
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from analytics.study.generator import generate

if TYPE_CHECKING:
    from analytics.study.rebuild import RebuildResult


@pytest.fixture(scope="session")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("study") / "data")


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
    2-core machine, and four test files each ran their own. Under pytest-xdist the first worker to
    ask builds it in the run's shared temporary folder and the others, waiting on a lock, read its
    result back. Tests must not change its files; runs with other data or options stay their own."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _rebuild_embedded(tmp_path_factory.mktemp("rebuild"))
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, the same for every worker
    with (shared / "embedded_rebuild.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = shared / "embedded_rebuild.pickle"
        if kept.exists():
            made: tuple[RebuildResult, list[str]] = pickle.loads(kept.read_bytes())
            return made
        made = _rebuild_embedded(shared / "embedded_rebuild")
        kept.write_bytes(pickle.dumps(made))
        return made
