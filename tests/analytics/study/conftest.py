from __future__ import annotations

from pathlib import Path

import pytest

from analytics.study.generator import generate


@pytest.fixture(scope="session")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("study") / "data")
