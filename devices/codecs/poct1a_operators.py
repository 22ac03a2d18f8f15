"""POCT1-A2 operator lists (the ``OPL`` topic), sans-IO: the host's ``OPL.R01`` and ``EOT.R01``.

``OPL.R01`` carries a complete operator list (it replaces the one the meter holds; ``OPL.R02``,
an incremental update, is not built here). Each operator is one ``OPR`` element::

    <OPR>
      <OPR.operator_id V="N001"/>
      <OPR.name V="Li Wei"/>
      <ACC>
        <ACC.method_cd V="ALL"/>                 (the operator may run every test)
        <ACC.permission_level_cd V="1"/>         (the vendor's level code)
        <ACC.expiration_date V="2027-06-30"/>    (last valid day of the certification)
      </ACC>
    </OPR>

A long list is cut into several ``OPL.R01`` messages, each within the size the device announced
(``DSC.max_message_sz``); ``EOT.R01`` with ``EOT.topic_cd`` OPL closes the topic. The device
acknowledges each message (``ACK.R01``, read by :mod:`devices.poct1a_conversation`).

:func:`listed_operators` reads the operators back out of an ``OPL.R01`` (the simulated meter
uses it); it accepts the ``ACC.permision_level_cd`` spelling some vendors' devices and documents
use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from devices.codecs.poct1a import Poct1aMessage, build_message, v_element
from devices.operator_list import Operator

#: Room kept in each OPL.R01 for a longer control id and time stamp than the size estimate's.
_ENVELOPE_MARGIN = 64


@dataclass(frozen=True, slots=True)
class ListedOperator:
    """One ``OPR`` of a received ``OPL.R01``, values as sent."""

    operator_id: str
    name: str | None
    permission_level: str | None
    expires: str | None


def operator_element(operator: Operator) -> str:
    """One operator as an ``OPR`` element (values XML-escaped)."""
    access = (
        v_element("ACC.method_cd", "ALL")
        + v_element("ACC.permission_level_cd", operator.permission_level)
        + v_element("ACC.expiration_date", operator.expires.isoformat())
    )
    return (
        "<OPR>"
        + v_element("OPR.operator_id", operator.operator_id)
        + v_element("OPR.name", operator.name)
        + f"<ACC>{access}</ACC></OPR>"
    )


def build_operator_list(
    control_id: str, operators: Sequence[Operator], *, now: datetime | None = None
) -> bytes:
    """``OPL.R01``: these operators (in order) as (part of) the complete list."""
    return build_message("OPL.R01", control_id, "".join(operator_element(o) for o in operators), now)


def build_end_of_topic(control_id: str, topic: str, *, now: datetime | None = None) -> bytes:
    """``EOT.R01`` closing ``topic`` (``OPL`` after an operator list)."""
    return build_message("EOT.R01", control_id, "<EOT>" + v_element("EOT.topic_cd", topic) + "</EOT>", now)


def operator_pages(operators: Sequence[Operator], max_message_size: int | None) -> list[tuple[Operator, ...]]:
    """The list cut into the operators of each ``OPL.R01``, in order, so that every message fits
    in ``max_message_size`` bytes (no limit when None). An operator too big for any message
    still gets one of its own (the device may refuse it; that is counted, never silent). An
    empty list is one empty message: the meter is told it has no operators."""
    if not operators or max_message_size is None:
        return [tuple(operators)]
    room = max_message_size - len(build_operator_list("0", [])) - _ENVELOPE_MARGIN
    pages: list[tuple[Operator, ...]] = []
    page: list[Operator] = []
    used = 0
    for operator in operators:
        size = len(operator_element(operator).encode("utf-8"))
        if page and used + size > room:
            pages.append(tuple(page))
            page, used = [], 0
        page.append(operator)
        used += size
    pages.append(tuple(page))
    return pages


def listed_operators(message: Poct1aMessage) -> list[ListedOperator]:
    """The operators of an ``OPL.R01``/``OPL.R02`` in document order; [] for other messages."""
    if not message.message_type.startswith("OPL."):
        return []
    found = []
    for opr in (e for e in message.root.walk() if e.tag == "OPR"):
        access = opr.child("ACC")
        level = None
        if access is not None:
            level = access.value("ACC.permission_level_cd") or access.value("ACC.permision_level_cd")
        found.append(
            ListedOperator(
                operator_id=opr.value("OPR.operator_id") or "",
                name=opr.value("OPR.name"),
                permission_level=level,
                expires=access.value("ACC.expiration_date") if access is not None else None,
            )
        )
    return found
