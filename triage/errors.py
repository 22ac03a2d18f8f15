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
    "os_reason",
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


def os_reason(exc: OSError) -> str:
    """Why a path cannot be written, for a message that names the path itself: the system's words
    (``Permission denied``), but a file in the way of a folder named as such (errno says only
    ``File exists``). The CLI and the service's /readyz say it alike."""
    if isinstance(exc, FileExistsError):
        return f"{exc.filename} is a file, not a folder"
    return exc.strerror or str(exc)
