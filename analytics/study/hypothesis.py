"""A hypothesis of the study and what the rebuild says about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HypothesisCheck:
    hypothesis: str
    statement: str
    supported: bool
    evidence: str
    paper_says: str = "supported"
    """The paper's own verdict (it validates H1a-H2b), next to the rebuild's so a disagreement shows."""
