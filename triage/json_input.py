"""What the scalar fields of a JSON input accept: the API's bodies and ``triage assess`` files.

JSON has numbers, ``true``/``false`` and text. A client that sends ``"false"``, ``0``,
``"70"`` or ``1733380000`` where a yes/no, a number or a time belongs has a bug, and guessing
what it meant would hide it - in a clinical field the guess can be dangerous:

- a yes/no field (``pregnant``, ``on_antihypertensives``, ``qc`` ...) takes JSON ``true`` or
  ``false`` only: pydantic's lax mode reads ``"false"``, ``"no"``, ``0`` and ``"1"`` as booleans;
- a number field (``age``, ``waist_cm``, an id) takes a JSON number only: ``"70"`` is refused
  like ``"70 kg"`` (lax mode also read ``"7_0"`` as 70);
- a time takes ISO 8601 text with a UTC offset (``2026-12-05T09:30:00+08:00``, ``...Z``): a bare
  number such as 1733380000 could be seconds or milliseconds since 1970, and a time without an
  offset could be the clinic's or UTC.

An observation's ``value`` is not such a field: it legitimately carries text - a censored result
(``">33.3"``, ``"<0.1"``), a coded answer (``"A"``) or a device's number as text.

The markers are pydantic ``BeforeValidator``\\ s for ``Annotated[...]`` fields; ``null`` passes
through to the field's own type (``bool | None`` takes it, ``bool`` refuses it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from triage.errors import json_text

ISO_EXAMPLE = "2026-12-05T09:30:00+08:00"
BOOLEAN_RULE = "must be true or false (a JSON boolean, without quotes)"
NUMBER_RULE = "must be a number (a JSON number, without quotes)"
TIME_RULE = f"must be an ISO 8601 date-time with a UTC offset, e.g. {ISO_EXAMPLE}"
DATE_RULE = "must be an ISO 8601 date as text, e.g. 2026-12-05"
EPOCH_NOTE = "; a bare number is refused: it could be seconds or milliseconds since 1970"


def time_problem(value: object) -> str | None:
    """Why ``value`` (decoded JSON) is not an ISO 8601 date-time with an offset; ``None`` if it is."""
    if not isinstance(value, str):
        return TIME_RULE + (
            EPOCH_NOTE if isinstance(value, int | float) and not isinstance(value, bool) else ""
        )
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return TIME_RULE
    if when.tzinfo is None or when.utcoffset() is None:
        return f"has no UTC offset; {TIME_RULE}"
    return None


def _boolean(value: Any) -> Any:
    if value is None or value.__class__ is bool:
        return value
    raise PydanticCustomError("json_boolean", BOOLEAN_RULE)


def _number(value: Any) -> Any:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError("json_number", NUMBER_RULE)


def _time(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    problem = time_problem(value)
    if problem is not None:
        raise PydanticCustomError("iso_datetime", problem)
    return datetime.fromisoformat(value.strip())


def iso_date(value: str) -> date | None:
    """``value`` read as an ISO 8601 date (``2026-12-05``, also ``20261205``); ``None`` if it is
    not one. Text is read here, not by pydantic, which read ``"86400"`` as a Unix time (1970-01-02)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    found = iso_date(value) if isinstance(value, str) else None
    if found is None:
        raise PydanticCustomError("iso_date", DATE_RULE)
    return found


JsonBoolean = BeforeValidator(_boolean)
"""``Annotated[bool | None, JsonBoolean]``: JSON ``true``/``false`` (or ``null``) only."""
JsonNumber = BeforeValidator(_number)
"""``Annotated[float | None, JsonNumber]``: a JSON number (or ``null``) only; not a boolean."""
IsoTime = BeforeValidator(_time)
"""``Annotated[AwareDatetime | None, IsoTime]``: ISO 8601 text with a UTC offset (or ``null``)."""
IsoDate = BeforeValidator(_date)
"""``Annotated[date | None, IsoDate]``: ISO 8601 date text (or ``null``); pydantic read a number as
a Unix time (1733356800 became 2024-12-05), and so the same number in quotes."""


class RepeatedKeyError(ValueError):
    """A key appears twice in one JSON object."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def message(self) -> str:
        return f"key {json_text(self.key)} appears twice in one object; keep one (JSON readers disagree on which wins)"


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads(..., object_pairs_hook=unique_keys)``: an object whose key repeats (``"age": 48,
    "age": 50``) is refused: the decoder kept the last value without a word, so an integrator's bug
    chose the value the patient was assessed on."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise RepeatedKeyError(key)
        seen[key] = value
    return seen


NOT_JSON_CONSTANTS = ("NaN", "Infinity", "-Infinity")
"""What Python's JSON reader takes as numbers and JSON has not (RFC 8259 6)."""


class UnreadNumber:
    """A number of a JSON text kept as written, where no float holds it (``1e400``, an integer of
    400 digits) or JSON has no such number (``NaN``, ``Infinity``): read as Python's infinity or
    NaN, it was refused in Python's words (``got Infinity``, ``value inf``) for a client that sent
    ``1e400``, or passed a range check it cannot be compared with. :func:`loads` says where it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def problem(self) -> str:
        if self.text in NOT_JSON_CONSTANTS:
            return (
                f"{self.text} is not a JSON number: JSON has no NaN, Infinity or -Infinity (RFC 8259);"
                " send a number, or null where the value is not known"
            )
        shown = self.text if len(self.text) <= 40 else f"{self.text[:39]}... ({len(self.text)} characters)"
        return (
            f"the number {shown} is too large to read: beyond 1.8e308, the largest a JSON number is"
            " read as here; check the value sent"
        )


class JsonValueError(ValueError):
    """A value of a JSON text no reader should take, at ``where`` (``observations[0].value``)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(where)
        self.where = where
        self.problem = problem

    def message(self) -> str:
        return f"{self.where}: {self.problem}"


class UnreadNumberError(JsonValueError):
    """A JSON text holds an :class:`UnreadNumber`."""

    def __init__(self, where: str, number: UnreadNumber) -> None:
        super().__init__(where, number.problem())
        self.number = number


#: Half of a UTF-16 pair, alone: JSON can write one (``"\\ud800"``), no text holds it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(item: Any, found: list[str]) -> bool:
    """Whether ``item`` is text holding a lone surrogate, kept in ``found``."""
    match = _LONE_SURROGATE.search(item) if isinstance(item, str) else None
    if match is not None:
        found.append(match.group())
    return match is not None


def first_at(
    value: Any, hit: Callable[[Any], bool], path: str = "", skip: frozenset[str] = frozenset()
) -> str | None:
    """Where the first item (or object key) of decoded JSON ``value`` that ``hit`` is true of is, as
    the API's errors name a field (``observations[0].unit``, ``body[2].code`` in a list body; an
    object's path for one of its keys); ``None`` if there is none. Text under a key in ``skip`` is
    not looked at (a field whose own check says more)."""
    if hit(value):
        return path or "body"
    if isinstance(value, dict):
        for key, item in value.items():
            if hit(key):
                return path or "body"
            if key in skip and isinstance(item, str):
                continue
            found = first_at(item, hit, f"{path}.{key}" if path else str(key), skip)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_at(item, hit, f"{path or 'body'}[{index}]", skip)
            if found is not None:
                return found
    return None


def loads(text: str) -> Any:
    """``text`` decoded as JSON, strictly: a key repeated in one object is a :class:`RepeatedKeyError`,
    a number no float holds or JSON has not (:class:`UnreadNumber`) an :class:`UnreadNumberError`
    naming where the first is, text holding a lone UTF-16 surrogate (``"\\ud800"``, which pydantic
    refused as "unable to parse raw data as a unicode string") a :class:`JsonValueError`. Integers a
    float holds stay integers; one of more digits than Python reads (4300) is no float either, so it
    is named as such (it was Python's ``ValueError``, which named no field)."""
    unread: list[UnreadNumber] = []

    def mark(number: str) -> UnreadNumber:
        unread.append(UnreadNumber(number))
        return unread[-1]

    def real(number: str) -> float | UnreadNumber:
        value = float(number)  # (a decimal's only non-finite float is an overflow)
        return value if math.isfinite(value) else mark(number)

    def integer(number: str) -> int | UnreadNumber:
        # (1.8e308 has 309 digits: shorter integers are floats.) Read as a float first: int()
        # refuses more than 4300 digits (sys.get_int_max_str_digits) with a ValueError that names
        # no field - the API's 400 "a number in the JSON has more than 4300 digits"
        if len(number) > 300 and not math.isfinite(float(number)):
            return mark(number)
        return int(number)

    decoded = json.loads(
        text, object_pairs_hook=unique_keys, parse_float=real, parse_int=integer, parse_constant=mark
    )
    if unread:
        first = unread[0]
        raise UnreadNumberError(first_at(decoded, lambda item: item is first) or "body", first)
    if "\\u" in text:  # (only an escape writes a lone surrogate: UTF-8 cannot)
        lone: list[str] = []
        where = first_at(decoded, lambda item: _lone_surrogate(item, lone))
        if where is not None:
            raise JsonValueError(
                where,
                f"has a lone UTF-16 surrogate escape (\\u{ord(lone[0]):04x}), half of a pair, which is no"
                " character; send the text as UTF-8, or a character above U+FFFF as its whole pair",
            )
    return decoded


_JSON_KINDS = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
}


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words (``an object``, ``null``): not Python's
    (``dict``, ``NoneType``), which a JSON file's author never wrote."""
    return "null" if value is None else _JSON_KINDS.get(type(value), type(value).__name__)


STRICT_MESSAGES = {
    "bool_type": BOOLEAN_RULE,
    "float_type": NUMBER_RULE,
    "int_type": NUMBER_RULE,
}
"""Our wording for pydantic's strict-mode type errors (``model_validate(..., strict=True)``)."""
