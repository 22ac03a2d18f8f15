"""One onnxruntime session for every loaded risk model (:mod:`triage.onnx_combine`'s graph).

``ModelSet.predict`` writes each prepared row into its model's bound input buffer and makes one
run for all of them, instead of one run per model. The session is built when the models load, only
from models ``triage.riskmodels.load_model`` verified, and kept only when it gives each model's own
session's probability bit for bit on rows at the training medians and at both ends of every
feature's training range; otherwise (or when the graphs cannot be combined) :func:`combined_run`
returns ``None`` and each model runs on its own, as before.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from triage.onnx_combine import combine
from triage.ort import ort

if TYPE_CHECKING:
    from triage.riskprediction import RiskModel


def bound_run(
    session: ort.InferenceSession, binding: Any
) -> tuple[Callable[[Any, ort.RunOptions], None], Any]:
    """The run method for ``binding`` and what it is called on: the binding's own native method
    (the public ``run_with_iobinding`` re-checks graph-capture state on every call), else the
    public one."""
    native = getattr(session, "_sess", None)
    if native is not None and hasattr(native, "run_with_iobinding"):
        return native.run_with_iobinding, binding._iobinding
    return session.run_with_iobinding, binding


class _Slot:
    """One thread's buffers bound to the combined session (as ``riskprediction._RowSlot``)."""

    __slots__ = ("options", "proba", "rows", "run", "target")

    def __init__(self, session: ort.InferenceSession, widths: Sequence[int], classes: Sequence[int]):
        # float32 buffers of each model's row (ctypes arrays; Any: a slice of them takes floats)
        self.rows: list[Any] = [(ctypes.c_float * w)() for w in widths]
        self.proba = [(ctypes.c_float * c)() for c in classes]
        binding = session.io_binding()
        for i, (row, proba) in enumerate(zip(self.rows, self.proba, strict=True)):
            binding.bind_input(f"{i}/X", "cpu", 0, np.float32, [1, len(row)], ctypes.addressof(row))
            binding.bind_output(
                f"{i}/probabilities", "cpu", 0, np.float32, [1, len(proba)], ctypes.addressof(proba)
            )
        self.run, self.target = bound_run(session, binding)
        self.options = ort.RunOptions()


class CombinedRun:
    """Scores prepared rows of several models with one onnxruntime run."""

    def __init__(self, session: ort.InferenceSession, models: Sequence[RiskModel]):
        self._session = session
        self._widths = [len(m.feature_names) for m in models]
        self._classes = [m._classes for m in models]
        self._positive = [m._positive for m in models]
        self._local = threading.local()

    def _slot(self) -> _Slot:
        try:
            slot: _Slot = self._local.slot
        except AttributeError:
            slot = self._local.slot = _Slot(self._session, self._widths, self._classes)
        return slot

    def score(self, rows: Sequence[tuple[int, list[float]]]) -> list[float]:
        """The positive-class probability of each ``(model index, complete row)``, in order. The
        models not given are computed on their previous row and not read."""
        slot = self._slot()
        buffers = slot.rows
        for index, row in rows:
            buffers[index][:] = row
        slot.run(slot.target, slot.options)
        proba, positive = slot.proba, self._positive
        return [proba[index][positive[index]] for index, _ in rows]


def _probe_rows(model: RiskModel) -> list[list[float]]:
    """Rows a combined session must score exactly as the model's own: the training medians, every
    feature at the low end of its training range, and every feature at the high end."""
    medians = [s.median for s in model._specs]
    rows = [medians]
    for end in (0, 1):
        rows.append([float(s.range[end]) for s in model._specs])
    return rows


def combined_run(models: Sequence[RiskModel]) -> CombinedRun | None:
    """One session for ``models`` (each loaded from its verified file), or ``None`` when they cannot
    be combined or the combined session does not give each model's own probabilities exactly."""
    graphs = [(m.onnx_bytes, m._outputs[0]) for m in models if m.onnx_bytes is not None]
    if len(models) < 2 or len(graphs) != len(models):
        return None
    data = combine(graphs)
    if data is None:
        return None
    from triage.riskprediction import session_options

    try:
        session = ort.InferenceSession(
            data, sess_options=session_options(), providers=["CPUExecutionProvider"]
        )
    except Exception:  # onnxruntime's own exception types: the models then run one by one
        return None
    run = CombinedRun(session, models)
    probes = [_probe_rows(m) for m in models]
    for k in range(len(probes[0])):
        rows = [(i, probes[i][k]) for i in range(len(models))]
        own = [m._score(row) for m, (_, row) in zip(models, rows, strict=True)]
        if run.score(rows) != own:
            return None
    return run
