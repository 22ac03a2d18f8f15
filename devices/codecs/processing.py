"""The processing ID a device puts in its header - ASTM H.12 (LIS2-A2), HL7 MSH-11 (table 0103):
``P`` production, ``T`` training, ``D`` debugging (ASTM also ``Q`` quality control). A training
or debugging message is not about a real measurement of the patient it names: its results are
stored as QC, never fed to a decision, and flagged with why."""

from __future__ import annotations

#: the flag of a result of a message that is not production traffic, by processing ID
NOT_PRODUCTION = {"T": "training_message", "D": "debugging_message"}


def not_production_flag(processing_id: str) -> tuple[str, ...]:
    """``("training_message",)`` for ``T``, ``("debugging_message",)`` for ``D``; else ``()``.
    ``processing_id`` is the field as sent (its first component, any case, padded or not)."""
    flag = NOT_PRODUCTION.get(processing_id.strip().upper()[:1])
    return (flag,) if flag else ()
