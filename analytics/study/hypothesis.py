"""A hypothesis of the study and what the rebuild says about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HypothesisCheck:
    hypothesis: str
    statement: str
    supported: bool
    evidence: str
