"""Clinical errors, subclasses of the project's single error tree (rooted in ``referral.errors``)."""

from __future__ import annotations

from referral.errors import (
    ClinicError,
    ConfigError,
    ConflictError,
    DependencyMissingError,
    IntegrityError,
    NotFoundError,
    UserInputError,
    json_text,
    shown_input,
    validation_message,
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
    "validation_message",
]


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
