"""Per-device profiles: one declarative TOML file per device (transport, protocol, switches, mapping).

A profile says everything the gateway and the codecs need to know about one device and nothing
is guessed: serial or TCP settings, the protocol, the character encoding, the time zone of the
device clock, the tolerance switches that may fire, which fields hold the sample and patient ids,
and the mapping table from vendor test codes to triage vocabulary codes and units. Bundled
profiles live in ``devices/profiles/``; :func:`load_profile` reads any file and reports problems
with the file name and the field.
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from devices import text_encoding
from devices.errors import ProfileError
from referral.errors import json_text, shown_input, validation_message

PROFILE_DIR = Path(__file__).parent / "profiles"

Protocol = Literal["astm", "hl7", "line", "poct1a", "ble"]
LineGrammar = Literal["nonin", "bp_csv", "urine_strip", "vidas", "spotchem"]
#: an [astm] sample_id_fields / patient_id_fields entry: record letter, dot, field number from 2
_FIELD_REF = re.compile(r"[A-Z]\.(?:[2-9]|[1-9][0-9]+)")


class _Strict(BaseModel):
    """No unknown key, and no type coercion: ``baud = "9600"``, ``xonxoff = "yes"`` or
    ``max_tries = 6.5`` is refused, naming the table and the key, rather than quietly read as a
    number or a switch (a quoted value in TOML is often a typo, or a setting copied from another
    tool). A TOML array is read as the tuple a field declares, each item checked as strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _arrays_as_tuples(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        return {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}


#: What a serial setting may be, for the messages of a profile's [serial] table and of the
#: command-line flags (--baud, --bytesize, --parity, --stopbits).
#: The rates a serial port can be set to (POSIX termios and Linux's B* speeds, pyserial's
#: SerialBase.BAUDRATES): a UART cannot run at 12 or 960, which were taken and then read only noise.
STANDARD_BAUDS = (
    *(50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600),
    *(115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000),
    *(2500000, 3000000, 3500000, 4000000),
)
SERIAL_ALLOWED = {
    "baud": "a standard serial rate in bits per second: "
    + ", ".join(map(str, STANDARD_BAUDS[:-1]))
    + f" or {STANDARD_BAUDS[-1]} (LIS01-A2 devices: 1200, 2400, 4800 "
    "or 9600; 19200 or 38400 optional; see the device's manual)",
    "bytesize": "5, 6, 7 or 8 data bits",
    "parity": "N (none), E (even), O (odd), M (mark) or S (space)",
    "stopbits": "1, 1.5 or 2",
}


#: The parity letters and the words for them.
_PARITY_WORDS = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S"}


def parity_letter(value: str) -> str | None:
    """The parity letter another tool's word (``even``) or a lowercase letter (``e``) stands for."""
    word = value.strip()
    return _PARITY_WORDS.get(word.lower()) or (
        word.upper() if word.upper() in _PARITY_WORDS.values() else None
    )


class SerialSettings(_Strict):
    """RS-232 / USB-serial settings (LIS01-A2 default 9600 8N1)."""

    port: str | None = None  # /dev/ttyUSB0, /dev/serial/by-id/..., or a pyserial URL
    baud: int = 9600
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: float = Field(default=1, description="1, 1.5 or 2")
    xonxoff: bool = False
    rtscts: bool = False

    @field_validator("bytesize", mode="before")
    @classmethod
    def _whole_bytesize(cls, value: object) -> object:
        # Literal[5, 6, 7, 8] took 8.0 (equal to 8) even in strict mode, where baud = 9600.0 is refused
        if isinstance(value, float):
            raise ValueError(f"must be {SERIAL_ALLOWED['bytesize']}, a whole number (got {value!r})")
        if isinstance(value, int) and not isinstance(value, bool) and value not in (5, 6, 7, 8):
            raise ValueError(f"must be {SERIAL_ALLOWED['bytesize']} (got {value})")  # as --bytesize says
        return value

    @field_validator("parity", mode="before")
    @classmethod
    def _parity(cls, value: object) -> object:
        # in --parity's words, naming the letter for the words other tools write ("even") or "e"
        if isinstance(value, str) and value not in _PARITY_WORDS.values():
            letter = parity_letter(value)
            hint = f": write {json_text(letter)}" if letter else ""
            raise ValueError(f"must be {SERIAL_ALLOWED['parity']} (got {json_text(value)}){hint}")
        return value

    @field_validator("baud")
    @classmethod
    def _baud(cls, value: int) -> int:
        if value not in STANDARD_BAUDS:  # else the port's own error naming the port, or only noise
            raise ValueError(f"must be {SERIAL_ALLOWED['baud']} (got {value})")
        return value

    @field_validator("stopbits")
    @classmethod
    def _stopbits(cls, value: float) -> float:
        if value not in (1, 1.5, 2):
            raise ValueError(f"must be {SERIAL_ALLOWED['stopbits']} (got {value:g})")
        return value


class TcpSettings(_Strict):
    """TCP transport: the gateway listens for the device, or connects to it."""

    mode: Literal["listen", "connect"] = "listen"
    host: str = "0.0.0.0"
    port: int = Field(ge=1, le=65535)
    allowed_peers: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _connect_has_host(self) -> TcpSettings:
        # else the gateway connected to 0.0.0.0, the listen default, and retried for ever
        if self.mode == "connect" and "host" not in self.model_fields_set:
            raise ValueError(
                'mode "connect" needs host: the address of the device (or its dock) to connect to, '
                'e.g. host = "192.168.1.20"'
            )
        return self


class LinkSettings(_Strict):
    """ASTM E1381 / LIS01-A2 link-layer settings (timers in seconds, spec values by default)."""

    frame_text_size: int = Field(default=240, ge=16, le=64000)  # text per frame when sending
    max_receive_frame: int = Field(default=64000, ge=240, le=1_000_000)
    # seconds, each above 0: a zero or negative timer fires at once and ends every session
    reply_timeout: float = Field(
        default=15.0, gt=0
    )  # sender waits for ACK to ENQ or frame; also post-interrupt hold
    receive_timeout: float = Field(default=30.0, gt=0)  # receiver waits for next frame or EOT
    contention_wait: float = Field(default=20.0, gt=0)  # host waits for the instrument's ENQ after contention
    nak_backoff: float = Field(default=10.0, gt=0)  # sender waits after a NAK to its ENQ
    contention_backoff: float = Field(default=1.0, gt=0)  # instrument re-sends ENQ after contention
    #: an ENQ inside a session then this much silence: the partial message is dropped, ENQ answered NAK
    enq_restart_quiet: float = Field(default=1.0, gt=0, lt=15)
    max_tries: int = Field(default=6, ge=1, le=20)  # failed tries of one frame before abort
    role: Literal["host", "instrument"] = "host"


class ClockSettings(_Strict):
    """How far the device's own result times may be from the gateway's receipt clock (seconds).

    A result timed more than ``max_ahead`` after it reached the gateway (a clock running fast, a
    wrong time zone or year) or more than ``max_age`` before (a clock reset to its factory date
    after a power loss, a battery gone flat) is held for review, never fed to triage: its time
    would otherwise order it among the patient's readings - a future one as the latest for years
    (``devices.device_clock``). The defaults allow a clock a few minutes fast and a result sent a
    day after it was measured (an urine strip reader's end-of-day "send all")."""

    max_ahead: float = Field(default=600.0, gt=0, le=366 * 86400)
    max_age: float = Field(default=86400.0, gt=0, le=3660 * 86400)


class ToleranceSwitches(_Strict):
    """Explicit relaxations. Each one that fires is counted and logged (devices.tolerance)."""

    #: no longer needed: a lowercase ASTM checksum is accepted (its value verified) and counted
    #: without it (devices.tolerance.ACCEPTED_QUIRKS); still read, so profiles that set it load
    lowercase_checksum: bool = False
    lenient_frame_numbers: bool = False
    cr_etb_record_end: bool = False
    missing_lf_after_checksum: bool = False
    no_cr_before_etx: bool = False
    lf_record_separator: bool = False
    doubled_backslash_header: bool = False
    missing_l_record: bool = False
    missing_result_status: bool = False
    decimal_comma: bool = False
    lf_segment_separator: bool = False
    mindray_msh16_result_kind: bool = False


class MappingEntry(_Strict):
    """One vendor test code -> vocabulary code.

    ``unit`` is the UCUM unit the value is in (passed to triage, which converts to canonical);
    ``device_units`` are the device's spellings of that unit - when listed, any other unit
    quarantines the result (but the litre as ``l`` and UCUM's case-insensitive capitals of a listed
    unit, where they read as no other unit: ``devices.unit_case``) (listed without ``unit``, each is passed to triage as sent: a device
    that reports in one of several units, as it is set); when empty, a unit the device does send
    is passed to triage as sent (never relabelled) and ``unit`` applies only to values sent
    without a unit. ``scale`` multiplies numeric values (e.g. 0.1 when the device reports tenths);
    ``answers`` maps vendor answer texts to vocabulary answers (case-insensitive).
    """

    code: str
    unit: str | None = None
    device_units: tuple[str, ...] = ()
    scale: float | None = None
    answers: dict[str, str] = Field(default_factory=dict)


class AstmFields(_Strict):
    """Where this device puts things in its LIS2-A2 records (1-based field.component numbers)."""

    test_code_components: tuple[int, ...] = (4,)  # components of R.3 joined with '^'
    sample_id_fields: tuple[str, ...] = ("O.3", "O.4")  # first non-empty wins
    patient_id_fields: tuple[str, ...] = ("P.3", "P.4", "P.5")
    qc_specimen_prefixes: tuple[str, ...] = ("CTRL", "QC")  # O.16 components marking QC

    @field_validator("test_code_components")
    @classmethod
    def _components(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        # 0 or -1 picked a component from the end of R.3 (every test the same code, all but the
        # first taken for resends); none gave every result an empty code
        if not value or any(n < 1 for n in value):
            raise ValueError(f"must list R.3 component numbers counted from 1, e.g. [4] (got {list(value)})")
        return value

    @field_validator("sample_id_fields", "patient_id_fields")
    @classmethod
    def _field_refs(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # the sample id is read from O records and the patient id from P records only: "P.3" here
        # read O.3, and "O3" or "O.x" stopped the gateway with a traceback at the first message
        record = "O" if info.field_name == "sample_id_fields" else "P"
        for ref in value:
            if _FIELD_REF.fullmatch(ref) is None or ref[0] != record:
                raise ValueError(
                    f'{json_text(ref)} is not a field of the {record} record: write "{record}.N", '
                    f'N from 2 (field 1 is the record type), e.g. "{record}.3"'
                )
        return value


class Hl7Fields(_Strict):
    """Where this device puts things in its HL7 ORU messages."""

    code_from: Literal["obx3_id", "obx3_text", "obx4"] = "obx3_id"
    start_byte: int = Field(default=0x0B, ge=0, le=0xFF)
    end_bytes: str = "1c0d"  # hex
    #: never read: a message without MSH-18 is decoded with the profile's ``encoding``; a profile
    #: that sets it is refused with that advice rather than silently ignored
    charset_default: str | None = None

    @field_validator("end_bytes")
    @classmethod
    def _end_bytes(cls, value: str) -> str:
        try:
            end = bytes.fromhex(value)
        except ValueError:
            end = b""
        if not end:
            raise ValueError(
                f'must be the bytes that end an MLLP frame, in hex, e.g. "1c0d" (FS CR) (got {json_text(value)})'
            )
        return value

    @field_validator("charset_default")
    @classmethod
    def _charset_default(cls, value: str | None) -> str | None:
        raise ValueError(
            "is not read: a message without MSH-18 is decoded with the profile's top-level "
            'encoding (e.g. encoding = "utf-8"); remove charset_default'
        )


class Poct1aSettings(_Strict):
    """POCT1-A2 conversation, host side (``devices.poct1a_conversation``).

    ``after_status`` is what the host does after acknowledging a device status (DST.R01):
    ``request_observations`` sends REQ.R01 ROBS when the device has observations (END.R01 when
    it has none, and after its EOT.R01 of the observations topic); ``start_continuous`` sends
    DTV.R01 START_CONTINUOUS once and keeps the conversation open; ``wait`` sends nothing.
    ``application_timeout`` (seconds) applies until the device's HEL.R01 announces its own
    DCP.application_timeout. ``set_time`` sends DTV.R01 SET_TIME once per conversation, after the
    first DST.R01 and before the request or directive: the device sets its clock to the
    directive's HDR.creation_dttm (the gateway's clock, in the profile's zone). Off by default.
    ``operator_list`` names the clinic's operator list file (CSV: operator_id, name,
    permission_level, expires; ``devices.operator_list``), relative to the profile's folder or
    absolute: after the status (and SET_TIME) the host sends the certified operators as OPL.R01,
    closed by EOT.R01, to each meter that does not hold this list yet. None: no list is sent."""

    after_status: Literal["request_observations", "start_continuous", "wait"] = "request_observations"
    set_time: bool = False
    operator_list: str | None = None
    application_timeout: float = Field(default=60.0, gt=0, le=3600)
    max_message_size: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)


class BleSettings(_Strict):
    """A Bluetooth LE personal health device (``devices.transports.ble``, needs the ``ble`` extra).

    The device is found by ``address`` (a MAC address; a UUID on macOS) or, without one, by its
    advertised ``name``. ``service`` decides the conversation: ``glucose`` fetches stored records
    through the Record Access Control Point (``devices.glucose_fetch``), ``blood_pressure``
    subscribes to Blood Pressure Measurement indications, ``thermometer`` to Temperature
    Measurement, ``pulse_oximeter`` to PLX Spot-check Measurement, ``weight_scale`` to Weight
    Measurement ones and ``pulse_oximeter_continuous`` to PLX Continuous Measurement
    notifications (about one a second). ``scan_timeout`` bounds a search for the
    device, ``response_timeout`` the silence allowed while the meter owes records or a RACP
    response (seconds). ``max_record_age`` (seconds; default 15 minutes): a stored glucose record
    measured longer ago than this before it reached the gateway is held for review (it may be an
    earlier patient's reading left in the meter; a meter whose clock is wrong by more than this
    has every reading held until its clock is set).

    Continuous oximetry only (``devices.continuous_sampling``): a reading whose SpO2 differs from
    the last stored one by ``store_spo2_change`` points or more (default 1: every whole-percent
    change), whose pulse rate differs by ``store_pulse_change`` /min or more (default 5), or
    whose statuses or missing values differ, is stored at once; any other is stored only when
    ``store_every`` seconds (default 60; 0 stores every reading) have passed since the last
    stored one."""

    address: str | None = None
    name: str | None = None
    service: Literal[
        "glucose",
        "blood_pressure",
        "thermometer",
        "pulse_oximeter",
        "weight_scale",
        "pulse_oximeter_continuous",
    ]
    scan_timeout: float = Field(default=10.0, gt=0, le=300)
    response_timeout: float = Field(default=30.0, gt=0, le=600)
    max_record_age: float = Field(default=900.0, gt=0, le=30 * 86400)
    store_every: float = Field(default=60.0, ge=0, le=3600)
    store_spo2_change: float = Field(default=1.0, gt=0, le=20)
    store_pulse_change: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _found_somehow(self) -> BleSettings:
        if not (self.address or self.name):
            raise ValueError("[ble] needs address (e.g. C4:7C:8D:6A:12:34) or name (the advertised name)")
        sampling = sorted({"store_every", "store_spo2_change", "store_pulse_change"} & self.model_fields_set)
        if sampling and self.service != "pulse_oximeter_continuous":
            raise ValueError(
                f'[ble] {", ".join(sampling)} applies to service "pulse_oximeter_continuous" only, '
                f"not {json_text(self.service)} (its readings are each stored)"
            )
        return self


class DeviceProfile(_Strict):
    """Everything known about one device. Loaded from TOML by :func:`load_profile`."""

    device_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    description: str = ""
    vendor: str = ""
    model: str = ""
    protocol: Protocol
    line_grammar: LineGrammar | None = None
    synthetic_samples: bool = False  # the profile's example data is synthetic (teaching) data
    encoding: str = "latin-1"
    timezone: str = "Asia/Shanghai"
    serial: SerialSettings | None = None
    tcp: TcpSettings | None = None
    link: LinkSettings = LinkSettings()
    clock: ClockSettings = ClockSettings()
    tolerance: ToleranceSwitches = ToleranceSwitches()
    astm: AstmFields = AstmFields()
    hl7: Hl7Fields = Hl7Fields()
    poct1a: Poct1aSettings = Poct1aSettings()
    ble: BleSettings | None = None
    line_skip_patterns: tuple[str, ...] = ()  # regexes of lines to skip (power-up banners, headers)
    no_value_tokens: tuple[str, ...] = ("---", "--", "-----", "----")
    ignored_codes: tuple[str, ...] = ()  # known vendor codes triage does not use (not quarantined)
    mapping: dict[str, MappingEntry] = Field(default_factory=dict)

    @field_validator("line_skip_patterns")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:  # else a traceback at the first line the device sent
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{json_text(pattern)} is not a regular expression: {exc}") from None
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown character encoding {json_text(value)} (use e.g. latin-1, cp1252, utf-8)"
            ) from None
        if (problem := text_encoding.refusal(value)) is not None:  # STX, CR... are found as bytes
            raise ValueError(problem)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {json_text(value)} (e.g. Asia/Shanghai, UTC)") from None
        return value

    @model_validator(mode="after")
    def _grammar_matches_protocol(self) -> DeviceProfile:
        if self.protocol == "line" and self.line_grammar is None:
            raise ValueError(
                'protocol "line" needs line_grammar (nonin, bp_csv, urine_strip, vidas, spotchem)'
            )
        if self.protocol != "line" and self.line_grammar is not None:
            raise ValueError(f'line_grammar is only for protocol "line", not {json_text(self.protocol)}')
        if self.protocol == "ble" and self.ble is None:
            raise ValueError('protocol "ble" needs a [ble] table (address or name, and service)')
        if self.protocol != "ble" and self.ble is not None:
            raise ValueError(f'[ble] is only for protocol "ble", not {json_text(self.protocol)}')
        if self.ble is not None and (self.serial is not None or self.tcp is not None):
            raise ValueError("a BLE device has no [serial] or [tcp] table")
        both = sorted(set(self.ignored_codes) & set(self.mapping))
        if both:  # the mapping won, whichever the integrator meant
            raise ValueError(
                f"ignored_codes and [mapping] both name {', '.join(json_text(c) for c in both)}: keep each "
                "code in one (ignored_codes: a test triage does not use; [mapping]: one it does)"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


#: what a key of each strictly checked type must be, in a profile author's words
_TYPE_WORDS = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false"}


def _keys_of_table(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the profile table holding ``loc`` may have (``("serial", "baudrate")``: those of
    ``[serial]``; a ``[mapping."CODE"]`` table's too); [] when it is no table."""
    found: Any = DeviceProfile
    for part in loc[:-1]:
        if get_origin(found) in (Union, types.UnionType):  # X | None
            found = next(arg for arg in get_args(found) if arg is not type(None))
        if get_origin(found) is dict:
            found = get_args(found)[1]
        elif isinstance(found, type) and issubclass(found, BaseModel) and str(part) in found.model_fields:
            found = found.model_fields[str(part)].annotation
        else:
            return []
    if get_origin(found) in (Union, types.UnionType):
        found = next(arg for arg in get_args(found) if arg is not type(None))
    return list(found.model_fields) if isinstance(found, type) and issubclass(found, BaseModel) else []


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    """A misspelt key (``baudrate``, ``[tolerence]``): pydantic said only 'Extra inputs are not
    permitted', which names neither the typo nor what to write."""
    known = _keys_of_table(loc)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown key{hint}; known: {', '.join(known)}" if known else "unknown key"


def _format_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = validation_message(err)
        if err["type"] == "extra_forbidden":
            msg = _unknown_key(err["loc"])
        elif err["type"] == "string_pattern_mismatch" and err["loc"] == ("device_id",):
            msg = "must be 1 to 64 letters, digits, '.', '_' or '-' (it names the device in logs and storage)"
        if err["type"] in _TYPE_WORDS:
            quoted = isinstance(err.get("input"), str)
            msg = f"must be {_TYPE_WORDS[err['type']]}" + (
                ", not text: write it without quotes" if quoted else ""
            )
        # pydantic's own messages do not say what was given; ours (value_error) do when it helps
        given = (
            ""
            if err["type"] in ("missing", "value_error", "extra_forbidden")
            else shown_input(err.get("input"))
        )
        parts.append(f"{loc}: {msg}{given}")
    return "; ".join(parts)


def profile_from_dict(data: dict[str, object], *, source: str = "<profile>") -> DeviceProfile:
    """Validate a parsed profile; ``ProfileError`` names ``source`` and each bad field."""
    try:
        return DeviceProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{source}: invalid device profile: {_format_errors(exc)}") from None


def load_profile(path: Path | str, *, option: str = "") -> DeviceProfile:
    """Read a profile TOML file. A bare name (``sysmex-xn550``) means a bundled profile.

    Errors name what the user gave - ``option`` (e.g. ``--profile``) and the name or path as
    typed, never the bundled file it was resolved to - and for a name, the bundled names."""
    given = f"{option} {path}" if option else str(path)
    p = Path(path)
    bundled = not p.suffix and not p.exists()
    if bundled:
        p = PROFILE_DIR / f"{p.name}.toml"
    try:
        raw = p.read_bytes()
        # Windows editors (Notepad) write a byte order mark, which TOML does not take: it was
        # 'not valid TOML: Invalid statement (at line 1, column 1)' on a profile that reads right
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except FileNotFoundError:
        known = ", ".join(bundled_profile_names())
        if bundled:
            raise ProfileError(f"{given}: unknown device profile; known: {known}") from None
        raise ProfileError(
            f"{given}: device profile not found: no such file (or give a bundled name: {known})"
        ) from None
    except IsADirectoryError:
        raise ProfileError(f"{given}: is a folder; give the device profile TOML file") from None
    except UnicodeDecodeError as exc:
        at = exc.start + (len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0)  # the file's
        raise ProfileError(f"{given}: byte {at} is not UTF-8; save the device profile as UTF-8") from None
    except OSError as exc:
        raise ProfileError(f"{given}: cannot read device profile: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{given}: not valid TOML: {exc}") from None
    profile = profile_from_dict(data, source=given if not bundled else f"{given} ({p})")
    operators = profile.poct1a.operator_list
    if operators and not Path(operators).is_absolute():  # relative to the profile, not the cwd
        settings = profile.poct1a.model_copy(update={"operator_list": str(p.parent.resolve() / operators)})
        profile = profile.model_copy(update={"poct1a": settings})
    return profile


def bundled_profile_names() -> list[str]:
    return sorted(f.stem for f in PROFILE_DIR.glob("*.toml"))


def generic_profile(protocol: Protocol, line_grammar: LineGrammar | None = None) -> DeviceProfile:
    """The bundled generic profile for a protocol (strict: no tolerance switch on); for line
    protocols, the bundled profile of that grammar; for BLE, the bundled glucose meter."""
    if protocol == "line":
        names = {
            "nonin": "nonin-oximeter",
            "bp_csv": "bp-monitor",
            "urine_strip": "urine-strip",
            "vidas": "biomerieux-mini_vidas",
            "spotchem": "arkray-spotchem_el",
        }
        return load_profile(PROFILE_DIR / f"{names[line_grammar or 'nonin']}.toml")
    if protocol == "ble":
        return load_profile(PROFILE_DIR / "ble-glucose_meter.toml")
    return load_profile(PROFILE_DIR / f"generic-{protocol}.toml")
