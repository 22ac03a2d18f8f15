"""Deterministic training of the shipped risk models (needs the ``train`` extra: scikit-learn, skl2onnx).

One module per model (``cvd10``, ``stroke10``, ``diabetes``, ``ckd``) declares a
:class:`~models.training.recipe.Recipe`; :mod:`models.training.pipeline` turns a recipe into a
version directory (``model.onnx``, ``card.json``, ``golden.jsonl``, ``CARD.md``) byte for byte the
same on every run. The serving side never imports this package.
"""

from __future__ import annotations

RECIPE_MODULES = {
    "cvd10": "models.training.cvd10",
    "stroke10": "models.training.stroke10",
    "diabetes": "models.training.diabetes",
    "ckd": "models.training.ckd",
}
