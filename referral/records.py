"""Input shapes for every entity the referral log stores (validated before any write).

``triage`` hands the log primitives and dicts; these models check them and say which field is
wrong. Timestamps are ISO 8601 strings with a UTC offset; they are stored normalised to UTC
except ``started_at`` of an encounter, whose *local* calendar day is the queue's "today".
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from referral.errors import UserInputError, json_text, shown_input, validation_message

#: The largest record id any interface takes (API paths and bodies, pages, CLI arguments): SQLite
#: stores 64-bit ids, and a larger number failed in the database instead of being refused.
MAX_RECORD_ID = 2**62


#: Unicode categories a record number never holds: control characters (C0 such as tab, line feed,
#: NUL and ESC; DEL; C1), invisible format characters (zero-width space, bidirectional overrides),
#: line and paragraph separators and lone surrogates. They broke the CLI's and the exports' lines,
#: hid in the pages (two patients whose numbers look the same) or drove a terminal (ESC).
_NOT_IN_RECORD_NUMBERS = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _record_number_problem(value: str) -> tuple[str, dict[str, object]] | None:
    """What is wrong with ``value`` as a record number (see :func:`check_record_number`)."""
    for position, char in enumerate(value, 1):
        if unicodedata.category(char) in _NOT_IN_RECORD_NUMBERS:
            code_point = f"U+{ord(char):04X}"
            return (
                f"the record number has a control or invisible character ({code_point}) at character"
                f" {position}; type it without tabs, line breaks or other control characters",
                {"position": position, "code_point": code_point},
            )
    return None


def check_record_number(value: str, field: str = "mrn") -> str:
    """``value`` unchanged if it may be a patient record number (MRN); else a
    :class:`UserInputError` naming ``field``, the character's position and code point - never the
    value (patient data). Every way a record number comes in is checked with it: registering a
    patient (:class:`PatientIn`: the API, the walk-in page, the device pipeline), the API's request
    bodies (:data:`RecordNumberInput`) and the CLI's ``--mrn``. Stored rows are not checked: a
    number stored before stays readable and can still be found and used."""
    found = _record_number_problem(value)
    if found is not None:
        raise UserInputError(f"{field}: {found[0]}", says="error.mrn_control", params=found[1])
    return value


def _record_number_input(value: object) -> object:
    found = _record_number_problem(value) if isinstance(value, str) else None
    if found is not None:
        raise PydanticCustomError("record_number", found[0])  # the message alone, no "Value error, "
    return value


RecordNumberInput = BeforeValidator(_record_number_input)
""":func:`check_record_number` for a request body's record number: a 422 naming the field's path
(``patient.mrn``), before any pattern (a line break otherwise failed the pattern, unexplained)."""


#: The explicit bidirectional formatting characters (Unicode UAX #9, 2.1-2.2): the embeddings and
#: overrides (U+202A-U+202E: LRE, RLE, PDF, LRO, RLO) and the isolates (U+2066-U+2069: LRI, RLI, FSI,
#: PDI). One in a name reordered what a page shows after it - a right-to-left override turned the
#: record number and the visit beside the name backwards (a patient-identification risk). A name in
#: Arabic or Hebrew script needs none of them, and the marks U+200E and U+200F (one character each,
#: no state) stay accepted.
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def name_problem(value: str | None) -> tuple[str, str, dict[str, object]] | None:
    """What is wrong with ``value`` as a name (a patient's, a facility's): a control character (tab,
    line feed, ESC...) broke the CLI's and the exports' lines or drove a terminal, as in a record
    number; a bidirectional control (:data:`BIDI_CONTROLS`) reordered the text shown after it. Said
    by position and code point, never the name (patient data): the message, the catalogue key the
    pages say it with, and its parameters."""
    for position, char in enumerate(value or "", 1):
        if unicodedata.category(char) == "Cc":
            code_point = f"U+{ord(char):04X}"
            return (
                f"has a control character ({code_point}) at character {position}; type the name on one"
                " line, without tabs or other control characters",
                "error.name_control",
                {"code_point": code_point, "position": position},
            )
        if char in BIDI_CONTROLS:
            code_point = f"U+{ord(char):04X}"
            return (
                f"has a bidirectional control character ({code_point}, {unicodedata.name(char).lower()})"
                f" at character {position}, which reorders the text the pages show after the name;"
                " type the name without it (a name in Arabic or Hebrew script needs none)",
                "error.name_bidi",
                {"code_point": code_point, "position": position},
            )
    return None


def _name_input(value: object) -> object:
    found = name_problem(value) if isinstance(value, str) else None
    if found is not None:
        raise PydanticCustomError("patient_name", found[0])
    return value


NameInput = BeforeValidator(_name_input)
""":func:`name_problem` for a request body's patient name: a 422 naming the field's path
(``patient.name`` of a walk-in; it said ``name``, a field the walk-in's body does not have)."""


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a boolean, not a number")
    return value


NotBoolean = BeforeValidator(_not_a_boolean)
"""For a number in a JSON body: pydantic reads ``true`` as 1, so ``"value": true`` became a glucose
of 1 mmol/L and ``"assessment_id": true`` assessment 1; with this it is a 422 naming the field.
Numbers as text (a CSV's "120") are still read."""

Disposition = Literal[
    "emergency_transfer", "urgent_referral", "routine_referral", "local_care", "insufficient_data"
]
Tier = Literal["primary", "secondary", "tertiary"]
Urgency = Literal["emergency", "urgent", "routine"]
Sex = Literal["female", "male", "unknown"]
Role = Literal["clinician", "nurse", "integrator", "analyst", "admin"]
Language = Literal["en", "zh"]

URGENCY_RANK: dict[str, int] = {
    "emergency_transfer": 0,
    "urgent_referral": 1,
    "insufficient_data": 2,
    "routine_referral": 3,
    "local_care": 4,
}


#: How a text holding a NUL is refused, after its field's name - here and where the API reads JSON.
NUL_REFUSED = "has a NUL character (U+0000); send the text without it"


def refuse_nul(value: str, field: str) -> str:
    """``value`` unchanged unless it holds a NUL character (U+0000): then a :class:`UserInputError`
    naming ``field``, in the API's words (``triage.service.api.json_body``). SQLite's ``length()``
    stops at a NUL, so a reason beginning with one failed the log's ``CHECK (length(trim(reason))
    > 0)`` (a 500 from the staff pages), and one in the middle cut the text for every reader."""
    if "\x00" in value:
        raise UserInputError(f"{field}: {NUL_REFUSED}", says="error.text_nul")
    return value


#: The types of value that hold no text: read at a glance, without the three type tests (most of
#: an input's values are numbers, flags or empty: a reading's thirteen fields).
_NO_TEXT = frozenset({int, float, bool, type(None)})


def _holds_nul(value: object) -> bool:
    """Whether any text of ``value`` - a key too - holds a NUL character, asked without naming
    where: the walk that names the field (:func:`_refuse_nul_in`) builds a path for every key,
    work every input paid though it holds no NUL (six readings, the patient, the visit and the
    assessment of each walk-in). A dictionary's or list's texts and numbers are read in its own
    loop; only what may hold more (a dictionary, a list, a text of a subclass) is asked in a call."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return True
            if type(item) is str:
                if "\x00" in item:
                    return True
            elif type(item) not in _NO_TEXT and _holds_nul(item):
                return True
    elif isinstance(value, list | tuple):
        for item in value:
            if type(item) is str:
                if "\x00" in item:
                    return True
            elif type(item) not in _NO_TEXT and _holds_nul(item):
                return True
    return False


def _refuse_nul_in(value: object, path: str, skip: frozenset[str]) -> None:
    if isinstance(value, str):
        refuse_nul(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(str(key), path or "(record)")
            if key not in skip:
                _refuse_nul_in(item, f"{path}.{key}" if path else str(key), frozenset())
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_nul_in(item, f"{path}[{index}]", frozenset())


def required_text(value: str, field: str, where: str, limit: int, *, empty_hint: str = "") -> str:
    """``value`` trimmed: a reason, an actor. A :class:`UserInputError` naming ``where`` and
    ``field`` when it is empty (``empty_hint`` added to the message), holds a NUL
    (:func:`refuse_nul`) or is over ``limit`` characters."""
    text = refuse_nul(value, field).strip()
    if not text:
        raise UserInputError(
            f"{where}: {json_text(field)} is empty{empty_hint}",
            says="error.reason_empty" if field == "reason" else None,
        )
    if len(text) > limit:
        raise UserInputError(f"{where}: {json_text(field)} is {len(text)} characters; at most {limit}")
    return text


#: A birth date the log takes: not in the future, at most this many years ago.
OLDEST_YEARS = 130


def check_birth_date(value: date, today: date) -> date:
    """``value`` if it is a plausible birth date - not after ``today`` (the clinic's day,
    :meth:`referral.clock.Clock.today`), not more than :data:`OLDEST_YEARS` years (by calendar
    year) before it - else a ``ValueError`` saying so. The one check for a birth date typed at
    registration (the API) and at a correction."""
    if value > today or today.year - value.year > OLDEST_YEARS:
        raise ValueError(f"birth date {value} is not between {today.year - OLDEST_YEARS} and today")
    return value


def aware_timestamp(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{field} {json_text(value)} is not an ISO 8601 timestamp") from error
    if parsed.tzinfo is None:
        raise ValueError(f"{field} {json_text(value)} has no UTC offset (e.g. +08:00)")
    return parsed


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Fields whose own validator refuses a NUL, saying more (:func:`check_record_number`).
    _own_nul_check: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """Every text of every input the log stores, refused with a NUL in it (:func:`refuse_nul`):
        the one check the API, the pages, the CLI and the device pipeline all go through."""
        if _holds_nul(data):  # the walk naming the field only then (a field of its own check skipped)
            _refuse_nul_in(data, "", cls._own_nul_check)
        return data


class PatientIn(_Input):
    mrn: str = Field(min_length=1, max_length=64, description="local medical record number")
    name: str | None = Field(None, max_length=200)
    sex: Sex = "unknown"
    birth_date: date | None = None

    _own_nul_check: ClassVar[frozenset[str]] = frozenset({"mrn"})

    @field_validator("mrn")
    @classmethod
    def _record_number(cls, value: str) -> str:
        return check_record_number(value, "mrn")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        """A name is one line of text with no bidirectional control (:func:`name_problem`)."""
        found = name_problem(value)
        if found is not None:
            raise UserInputError(f"name: {found[0]}", says=found[1], params=found[2])
        return value


WALK_IN_ENCOUNTER_KEY = ":encounter"
"""The suffix of the key of the encounter a walk-in opens: the walk-in's own key (at most 200
characters) plus this. The encounter's key was held to 200 as well, so a walk-in whose key had 191
to 200 characters failed as a 500."""


class EncounterIn(_Input):
    patient_mrn: str = Field(min_length=1, max_length=64)
    facility_id: str | None = None
    started_at: str
    age_years: int | None = Field(None, ge=0, le=130)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200 + len(WALK_IN_ENCOUNTER_KEY))

    @field_validator("started_at")
    @classmethod
    def _started(cls, value: str) -> str:
        aware_timestamp(value, "started_at")
        return value


class ObservationIn(_Input):
    code: str = Field(min_length=1, max_length=64)
    value_num: float | None = None
    value_text: str | None = Field(None, max_length=2000)
    # Same order as triage.observation.Comparator: typing treats Literals with the same values as
    # equal, and pydantic reuses the schema of whichever it met first, so a different order made
    # the Assessment JSON schema depend on which module a process imported first.
    comparator: Literal["<", ">", "<=", ">="] | None = None
    unit: str | None = Field(None, max_length=32)
    observed_at: str
    status: Literal["final", "preliminary", "corrected", "cancelled", "entered_in_error"] = "final"
    qc: str | None = Field(None, max_length=200)
    device: str | None = Field(None, max_length=200)
    device_message_id: str | None = Field(None, max_length=200)
    # the value as received when it was converted to ``unit`` (101.5 [degF] for 38.6111111 Cel)
    reported_value: float | None = None
    reported_unit: str | None = Field(None, min_length=1, max_length=32)

    @field_validator("observed_at")
    @classmethod
    def _observed(cls, value: str) -> str:
        aware_timestamp(value, "observed_at")
        return value

    @model_validator(mode="after")
    def _has_value(self) -> ObservationIn:
        if self.value_num is None and self.value_text is None:
            raise ValueError(f"observation {json_text(self.code)} has neither value_num nor value_text")
        if self.comparator is not None and self.value_num is None:
            raise ValueError(
                f"observation {json_text(self.code)}: comparator {self.comparator} needs value_num"
            )
        if (self.reported_value is None) != (self.reported_unit is None):
            raise ValueError(
                f"observation {json_text(self.code)}: reported_value and reported_unit go together"
            )
        return self


class AssessmentIn(_Input):
    disposition: Disposition
    target_tier: Tier | None = None
    policy_version: str = Field(min_length=1)
    engine_version: str = Field(min_length=1)
    model_versions: dict[str, str] = Field(default_factory=dict)
    news2: int | None = Field(None, ge=0, le=20)
    red_flags: list[str] = Field(default_factory=list)
    risks: dict[str, float] = Field(default_factory=dict, description="model name -> probability")
    digital: bool = True
    payload: dict[str, Any] | None = Field(None, description="the full Assessment as a JSON object")
    payload_json: str | None = Field(
        None,
        description="the full Assessment already serialised as one JSON object (the engine's own "
        "serialisation, stored as given); give this or `payload`",
    )
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_payload(self) -> AssessmentIn:
        if (self.payload is None) == (self.payload_json is None):
            raise ValueError("give exactly one of payload (an object) or payload_json (its JSON text)")
        if self.payload_json is not None:
            text = self.payload_json.strip()
            if not (text.startswith("{") and text.endswith("}")):
                raise ValueError("payload_json must be the JSON text of one object")
        return self

    @field_validator("risks")
    @classmethod
    def _probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        for name, probability in value.items():
            if not 0.0 <= probability <= 1.0:
                raise ValueError(f"risk {json_text(name)} = {probability} is not a probability in [0, 1]")
        return value


class OverrideIn(_Input):
    clinician: str = Field(min_length=1)
    disposition: Disposition
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a clinician override needs a reason")
        return value.strip()


class ReferralIn(_Input):
    assessment_id: int = Field(ge=1)
    to_facility: str = Field(min_length=1)
    from_facility: str | None = None
    urgency: Urgency
    reason: str = Field(min_length=1, max_length=2000)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    # True: the clinician knows the encounter has an open referral and wants another one
    alongside_open: bool = False


class FeedbackIn(_Input):
    """What the receiving hospital reports when it completes a referral."""

    justified: bool
    diagnosis: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=2000)


MAX_BEDS = 100_000
MAX_CAPACITY = 1_000_000  # patients per day


class FacilityIn(_Input):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():  # spaces pass min_length and the table's CHECK (length(name) > 0)
            raise ValueError("is empty (only spaces); give the facility's name")
        found = name_problem(value)  # shown beside a referral, as a patient's name is
        if found is not None:
            raise ValueError(found[0].replace("type the name", "type the facility's name"))
        return value

    tier: Tier
    region_code: str = Field(min_length=1, max_length=32)
    lon: Annotated[float, NotBoolean] = Field(ge=-180, le=180)
    lat: Annotated[float, NotBoolean] = Field(ge=-90, le=90)
    # Upper bounds far above any hospital (the largest have about 10,000 beds); without them a
    # number past SQLite's 64-bit integers reached the database and failed there.
    beds: Annotated[int, NotBoolean] = Field(ge=0, le=MAX_BEDS)
    capacity: Annotated[int, NotBoolean] = Field(ge=0, le=MAX_CAPACITY, description="patients per day")
    digital_triage_start: date | None = None
    synthetic: bool = False


_InputT = TypeVar("_InputT", bound=BaseModel)


def parse(model: type[_InputT], data: dict[str, Any], where: str) -> _InputT:
    """Validate ``data``; turn pydantic's errors into one :class:`UserInputError` naming fields."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise UserInputError(f"{where}: {describe(error)}") from error
    except UserInputError as error:  # a NUL (refuse_nul), a record number: said by field, here
        raise UserInputError(f"{where}: {error}", says=error.says, params=error.params) from error


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(record)"
        value = item.get("input")
        parts.append(f"{field}: {validation_message(item)}{shown_input(value)}")
    return "; ".join(parts)
