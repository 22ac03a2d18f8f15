"""Clinical errors, subclasses of the project's single error tree (rooted in ``referral.errors``)."""

from __future__ import annotations

import json

from referral.errors import (
    ClinicError,
    ConfigError,
    ConflictError,
    DependencyMissingError,
    IntegrityError,
    NotFoundError,
    UserInputError,
    shown_input,
)

__all__ = [
    "ClinicError",
    "ConfigError",
    "ConflictError",
    "DependencyMissingError",
    "ImplausibleValueError",
    "IntegrityError",
    "ModelContractError",
    "NotFoundError",
    "UnitError",
    "UnknownCodeError",
    "UserInputError",
    "json_text",
    "shown_input",
    "shown_json_input",
]


def json_text(value: object) -> str:
    """``value`` as JSON writes it - ``true``, ``null``, ``"58"`` - for a message about a JSON
    input: Python's ``True``, ``None`` and ``'58'`` are not what the user wrote."""
    return json.dumps(value, ensure_ascii=False, default=str)


class _AsJson:
    """A value whose repr is its JSON text (for :func:`shown_input`, which quotes with repr)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return json_text(self.value)


def shown_json_input(value: object, limit: int = 80) -> str:
    """:func:`shown_input` for a value read from JSON: `` (got true)``, `` (got "58")``."""
    return "" if isinstance(value, dict | list) else shown_input(_AsJson(value), limit)


class UnknownCodeError(UserInputError):
    code = "unknown_code"


class UnitError(UserInputError):
    """A unit is not valid for a code, or cannot be converted."""

    code = "invalid_unit"


class ImplausibleValueError(UserInputError):
    """A value outside the physiologically possible range for its code."""

    code = "implausible_value"


class ModelContractError(IntegrityError):
    """A risk model's file or feature contract does not match its card; it refuses to load."""

    code = "model_contract"
