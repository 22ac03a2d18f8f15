"""Metropolis-Hastings proposals of the ERGM chain: statnet's TNT (tie / no tie) and random toggles.

**random** (ergm's ``MCMC.prop.weights = "random"``) toggles a uniformly chosen dyad. The proposal
is symmetric, so a toggle is accepted with probability min(1, exp(theta . delta)).

**TNT** (ergm's default) chooses, with probability ``TIE_PROBABILITY`` (1/2), a uniformly chosen
existing tie (always a removal), else a uniformly chosen dyad (an addition or a removal). In a
sparse network random toggles are mostly additions that are refused; TNT proposes removals as often
as additions, so the chain moves more per toggle. The proposal is not symmetric: with D dyads and
E ties, P = TIE_PROBABILITY and Q = 1 - P,

    q(remove a tie | E)   = P / E + Q / D        (E >= 1)
    q(add a no-tie | E)   = Q / D                 (E >= 1)
    q(add a no-tie | 0)   = 1 / D                 (the empty graph has no tie to choose: always a dyad)

and the Metropolis-Hastings ratio multiplies exp(theta . delta) by q(reverse) / q(forward), the
reverse move starting from the graph with E + 1 ties (an addition) or E - 1 (a removal). The full
graph needs no special case: a tie step there chooses a dyad uniformly, as a dyad step does.
"""

from __future__ import annotations

import math

from referral.errors import json_text

#: statnet's name for its default proposal, and for uniform random toggles.
TNT = "TNT"
RANDOM = "random"
PROPOSALS = (TNT, RANDOM)
#: The default proposal, as statnet's ergm.
DEFAULT_PROPOSAL = TNT
#: The probability that TNT chooses an existing tie rather than a dyad (ergm's ``P = 0.5``).
TIE_PROBABILITY = 0.5


def check_proposal(name: str) -> str:
    """The proposal's canonical name ('TNT' or 'random', in any case); a ValueError names the choices."""
    for proposal in PROPOSALS:
        if name.lower() == proposal.lower():
            return proposal
    raise ValueError(f"proposal must be one of {', '.join(map(json_text, PROPOSALS))}, not {json_text(name)}")


def tnt_log_ratio(present: bool, ties: int, dyads: int) -> float:
    """log q(reverse) / q(forward) of TNT toggling a dyad, the graph having ``ties`` ties of ``dyads``.

    ``present`` says whether the dyad is a tie now (the toggle removes it) or not (it adds it).
    The proposal probabilities below are times D.
    """
    p, q = TIE_PROBABILITY, 1.0 - TIE_PROBABILITY
    if present:  # remove: forward P D / E + Q; back, an addition from E - 1 ties (1 from the empty graph)
        return math.log((1.0 if ties == 1 else q) / (p * dyads / ties + q))
    # add: forward Q (1 from the empty graph); back, a removal from E + 1 ties
    return math.log((p * dyads / (ties + 1) + q) / (1.0 if ties == 0 else q))


class TieList:
    """The ties of a graph as dyad keys ``i * n + j`` in a list, so that one is chosen uniformly in O(1).

    ``keys[int(u * len(keys))]`` is a uniformly chosen tie for u uniform in [0, 1).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.keys: list[int] = []
        self.position: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, i: int, j: int) -> None:
        key = i * self.n + j
        self.position[key] = len(self.keys)
        self.keys.append(key)

    def remove(self, i: int, j: int) -> None:
        at = self.position.pop(i * self.n + j)
        last = self.keys.pop()
        if at < len(self.keys):  # move the last tie into the hole
            self.keys[at] = last
            self.position[last] = at
