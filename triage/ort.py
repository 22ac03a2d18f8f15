"""onnxruntime, imported for the whole project with Microsoft's telemetry off: the one place.

onnxruntime 1.29 and later start telemetry when they are imported: a device id and an event store
under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` and events uploaded - not what a clinic's
machine should do - and where HOME cannot be written a ``[W:onnxruntime:Default,
telemetry_1ds.cc] Failed to persist telemetry device ID`` line on stderr. ``ORT_DISABLE_TELEMETRY=1``
before the import turns it off whole. Every module that uses onnxruntime takes it from here
(``from triage.ort import ort``; ``tests/models/test_ort_telemetry.py`` checks that no other
imports it), so every way in gets it - the ``triage`` command, the service and its worker
processes, ``python -m bench``, the training, a notebook importing :mod:`triage.riskmodels`.
Set ``ORT_DISABLE_TELEMETRY=0`` beforehand to leave the telemetry on: only an unset variable is
set here.
"""

from __future__ import annotations

import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# after the variable, not among the imports above: onnxruntime reads it when it is imported
import onnxruntime as ort

__all__ = ["ort"]
