"""Errors raised while training or checking risk models (subclasses of the project's error tree)."""

from __future__ import annotations

from referral.errors import ConflictError, DependencyMissingError, IntegrityError, NotFoundError

__all__ = [
    "ConflictError",
    "DependencyMissingError",
    "NotFoundError",
    "ReproducibilityError",
    "TrainingDataError",
]


class TrainingDataError(IntegrityError):
    """A packaged training table is missing, has the wrong version or does not match its sha256."""

    code = "training_data"


class ReproducibilityError(IntegrityError):
    """A re-trained model differs from the shipped file it should reproduce byte for byte."""

    code = "not_reproducible"
