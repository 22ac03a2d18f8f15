"""`fit_estimator` and the benchmarks' scikit-learn peer fit the version the engine serves - the
registry's active one - not the model's newest recipe.

`fit_estimator(name)` took ``recipe_for(name)``: the module's ``RECIPE``, the newest. A new version
is trained, and its recipe becomes the newest, before the registry makes it active (a candidate
first, README "Adding or changing a model"); meanwhile `python -m bench triage` and `bench
riskmodels` timed (and compared with the served ONNX files) an estimator the engine does not serve.
Here the registry of a models folder makes ckd 1.0.0 active and 1.1.0 (the newest recipe) a
candidate, as it was before 1.1.0's approval."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip(
    "sklearn", reason="needs the training extra: `.venv/bin/pip install -e '.[train]'` (make test)"
)
pytest.importorskip(
    "ckd", reason="needs the data wheels: `.venv/bin/pip install --no-deps ckd==0.1.0` (make test)"
)

from bench.riskmodels import sklearn_fitted, sklearn_versions_text
from models.training.pipeline import active_version, fit_estimator, recipe_for
from triage.errors import NotFoundError
from triage.riskmodels import load_models


@pytest.fixture
def candidate_1_1_0(model_dir: Path) -> Path:
    """The models folder with ckd 1.0.0 active and 1.1.0, the newest recipe, a candidate."""
    path = model_dir / "registry.json"
    registry = json.loads(path.read_text(encoding="utf-8"))
    ckd = registry["models"]["ckd"]
    ckd["active"] = "1.0.0"
    ckd["versions"]["1.0.0"]["status"] = "active"
    ckd["versions"]["1.1.0"]["status"] = "candidate"
    path.write_text(json.dumps(registry, indent=2), encoding="utf-8")
    return model_dir


def _served_and_fitted_agree(model_dir: Path, estimator: object, X: np.ndarray, version: str) -> None:
    served = load_models(model_dir, ["ckd"]).models["ckd"]
    assert served.version == version
    sk = estimator.predict_proba(X.astype(np.float64))[:, 1]  # type: ignore[attr-defined]
    assert np.max(np.abs(served.predict_batch(X) - sk)) < 1e-5


def test_fit_estimator_fits_the_active_version_not_the_newest_recipe(candidate_1_1_0: Path) -> None:
    assert recipe_for("ckd").version == "1.1.0"  # the newest recipe is the candidate
    assert active_version("ckd", candidate_1_1_0) == "1.0.0"
    estimator, X_test = fit_estimator("ckd", directory=candidate_1_1_0)
    # 1.0.0's held-out split: 100 rows, its 5 children included (1.1.0's: 95 adults)
    assert X_test.shape == (100, 9) and X_test[:, 0].min() < 19
    _served_and_fitted_agree(candidate_1_1_0, estimator, X_test, "1.0.0")
    # the shipped registry: 1.1.0 is active
    estimator, X_test = fit_estimator("ckd")
    assert X_test.shape == (95, 9) and X_test[:, 0].min() >= 19
    with pytest.raises(NotFoundError, match=r"no model 'nope' in .*registry\.json; known: cvd10, stroke10"):
        active_version("nope")


def test_the_benchmarks_fit_and_name_the_versions_the_engine_serves(candidate_1_1_0: Path) -> None:
    served = load_models(candidate_1_1_0, ["ckd"])
    assert served.versions == {"ckd": "1.0.0"}
    ((name, (estimator, X)),) = sklearn_fitted(served.versions).items()
    assert name == "ckd" and X.shape == (100, 9)
    _served_and_fitted_agree(candidate_1_1_0, estimator, X, "1.0.0")
    assert sklearn_versions_text(served.versions) == (
        "scikit-learn peer: ckd 1.0.0 refitted by models.training.pipeline.fit_estimator (the versions served above)"
    )
