"""One blood-pressure measurement: its diastolic pressure must be below its systolic.

A diastolic pressure equal to or above the systolic of the same measurement is no reading but a
mistake: the two fields swapped by a person (systolic 80, diastolic 140) or by a device interface.
Taken as given it yields a wrong hypertension grade, NEWS2 and crisis decision without a word, so
every path that takes readings applies this one check (pure: no I/O, no framework):

- manual entry with both given together - the API, the staff pages' vital-signs form, the
  ``triage assess`` input - is refused, naming both values (:func:`check_pairs` raises
  :class:`SwappedPressuresError`: 422 on the API, exit 2 on the CLI, the form sent back);
- both in one device message (the live pipeline, capture replay): the pair is held for review,
  as an implausible device value is (:func:`swapped_pairs`);
- the engine (``triage.selection.select_observations``): a pair that reached it all the same (stored
  data, two single-reading entries) is not used, with why, and both are reported missing.

Only readings of one measurement are compared: a systolic and a diastolic observed at most
:data:`SAME_MEASUREMENT` (60 s) apart. One cuff inflation gives both at once - one time on the
device, one time on a form -; the minute allows for an API client stamping each reading with its
own clock or a line device's per-line receipt time. Readings further apart are two measurements:
blood pressure can fall from 140/90 to 80/50 within the hour (shock), so a systolic taken later
than a diastolic says nothing about a swap, and they are not compared. Censored values (``>250``)
and cannot-be-done or QC results are not compared either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from triage.errors import ImplausibleValueError
from triage.observation import Observation, Status

SAME_MEASUREMENT = timedelta(seconds=60)


class SwappedPressuresError(ImplausibleValueError):
    """Diastolic at or above the systolic given with it; ``params`` holds both values (mmHg)."""


# read once: an enum member read on its class takes CPython 3.11's slow attribute path (the enum
# metaclass defines __getattr__), and every assessment with a blood pressure reads it twice
_CANNOT_BE_DONE = Status.cannot_be_done


def _pressure(o: Observation) -> float | None:
    """The value of a plain number reading (mmHg), None for anything not compared."""
    fields = o.__dict__
    value = fields["value"]
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if fields["comparator"] is not None or fields["qc"]:
        return None
    if fields["status"] is _CANNOT_BE_DONE:
        return None
    return float(value)


def not_below(sbp: Observation, dbp: Observation) -> bool:
    """True when ``dbp`` is a diastolic at or above the systolic ``sbp`` of the same measurement."""
    s, d = _pressure(sbp), _pressure(dbp)
    if s is None or d is None or sbp.code != "sbp" or dbp.code != "dbp":
        return False
    return d >= s and abs(sbp.observed_at - dbp.observed_at) <= SAME_MEASUREMENT


@dataclass(frozen=True)
class SwappedPair:
    """Positions of a systolic and a diastolic of one measurement whose diastolic is not below,
    and their values (mmHg as text: ``140``, ``93.5``)."""

    sbp: int
    dbp: int
    sbp_mmhg: str
    dbp_mmhg: str

    @property
    def text(self) -> str:
        """The one-line English description: ``dbp 140 mmHg is not below sbp 80 mmHg - ...``."""
        return f"dbp {self.dbp_mmhg} mmHg is not below sbp {self.sbp_mmhg} mmHg - were they swapped?"


def swapped_pairs(observations: Sequence[Observation]) -> list[SwappedPair]:
    """Every swapped (systolic, diastolic) pair among ``observations``, by position."""
    found: list[SwappedPair] = []
    systolic = [(i, o) for i, o in enumerate(observations) if o.code == "sbp"]
    if not systolic:
        return found
    for j, dbp in enumerate(observations):
        if dbp.code != "dbp":
            continue
        for i, sbp in systolic:
            if not_below(sbp, dbp):
                found.append(SwappedPair(i, j, f"{sbp.value:g}", f"{dbp.value:g}"))
    return found


def swapped_in_messages(readings: Sequence[tuple[Hashable, Observation]]) -> dict[int, str]:
    """Device readings as (message, observation): the positions of every reading in a swapped
    pair of one message, each with the pair's description - to be held for review, never fed to
    a decision. Readings of different messages are never paired."""
    by_message: defaultdict[Hashable, list[int]] = defaultdict(list)
    for position, (message, _) in enumerate(readings):
        by_message[message].append(position)
    held: dict[int, str] = {}
    for positions in by_message.values():
        for pair in swapped_pairs([readings[p][1] for p in positions]):
            held[positions[pair.sbp]] = held[positions[pair.dbp]] = pair.text
    return held


def check_pairs(
    observations: Sequence[Observation], where: Callable[[int], str] | None = None, *, prefix: str = ""
) -> None:
    """Refuse readings given together whose diastolic is not below the systolic taken with it.

    ``where(i)`` names reading ``i`` in the caller's terms (``observations[3].value``) and the
    error names both, after ``prefix`` (``input: ``); ``params`` holds both values (``sbp``,
    ``dbp``, mmHg) for a translated message.
    """
    for pair in swapped_pairs(observations):
        place = f"{where(pair.sbp)}, {where(pair.dbp)}: " if where is not None else ""
        raise SwappedPressuresError(
            f"{prefix}{place}{pair.text} Nothing was recorded; give the higher pressure as sbp",
            says="entry.pressures_swapped",
            params={"sbp": pair.sbp_mmhg, "dbp": pair.dbp_mmhg},
        )
