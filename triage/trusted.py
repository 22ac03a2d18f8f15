"""Building the engine's own pydantic records without running their validators again.

The engine's hot path creates about forty small records per assessment (observations, scores,
reasons, model results). Each is built by a typed ``of``/``create`` constructor that has already
checked and normalised every value exactly as validation would; running the validator again
cost about a fifth of ``assess()``. :func:`trusted` sets the fields the way pydantic's own
``model_construct`` does, without its per-field loop. Tests compare every such record with its
validated twin (same JSON, same Python types).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set_attribute = object.__setattr__


def trusted(cls: type[M], fields: dict[str, Any]) -> M:
    """An instance of ``cls`` from already-normalised values: every field, in declaration order."""
    instance = cls.__new__(cls)
    _set_attribute(instance, "__dict__", fields)
    _set_attribute(instance, "__pydantic_fields_set__", set(fields))
    _set_attribute(instance, "__pydantic_extra__", None)
    _set_attribute(instance, "__pydantic_private__", None)
    return instance
