"""Typed settings: one object, built once at start-up from a TOML file and ``TRIAGE_`` variables.

Nothing here is read at import time. ``load_settings(path)`` builds the object; every component
receives what it needs from it as arguments. Environment variables override the file and use
``__`` for nesting, e.g. ``TRIAGE_SERVICE__PORT=8080`` or ``TRIAGE_DATABASE__PATH=/srv/clinic.db``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_origin

from pydantic import BaseModel, Field, IPvAnyNetwork, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.exceptions import SettingsError

from referral.association_bounds import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION
from referral.readable import folder_problem
from triage.errors import ConfigError, json_text
from triage.log_levels import LOG_LEVELS as LOG_LEVELS  # said here first (tests, docs)
from triage.tomlfile import field_type, is_table, key_message, read_toml_file

if TYPE_CHECKING:
    from referral.backup import UpgradeBackups

CONFIG_ENV = "TRIAGE_CONFIG"
#: A web origin as a browser sends it in ``Origin`` (RFC 6454): scheme, host, optional port.
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?")
#: A host name as ``service.allowed_hosts`` takes it (a leading ``.``: the domain and its names).
_HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
ENV_PREFIX = "TRIAGE_"
#: The storage layer's bounds (``referral.association_bounds``), in the setting's unit.
MIN_ASSOCIATION_S, MAX_ASSOCIATION_S = int(MIN_DURATION.total_seconds()), int(MAX_DURATION.total_seconds())
#: How long an idempotency key is kept at least (``referral.idempotency_keys``): default and bounds, s.
DEFAULT_RETENTION_S, MIN_RETENTION_S, MAX_RETENTION_S = 24 * 3600, 3600, 30 * 24 * 3600


def _not_empty(value: object) -> object:
    """A path setting given empty (``""``, a cleared ``TRIAGE_...=``) was read as ``.``, the working
    folder: refused, as the user meant "unset" or forgot the value."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("empty: give a path, or leave the setting out (unset the variable) for its default")
    return value


class DatabaseSettings(BaseModel):
    model_config = {"extra": "forbid"}
    path: Path = Field(Path("var/clinic.db"), description="SQLite referral log file")
    busy_timeout_ms: int = Field(
        5000,
        ge=0,
        # SQLite keeps it in a C int (2147483648 became 0: no wait at all), and a stop waits this long
        le=60_000,
        description="How long a writer waits for the lock (0 .. 60000 ms)",
    )
    backup_dir: Path | None = Field(
        None,
        description="Folder for the backup an upgrade takes of the log first (an existing folder this"
        " user may write); unset: beside the log",
    )
    upgrade_backups_kept: int = Field(
        3,
        ge=1,
        le=1000,
        description="How many of those automatic backups of the log are kept there, the newest; older"
        " ones are removed once a new one is written and checked. A backup taken with `triage referrals"
        " backup` is never removed",
    )

    _paths_given = field_validator("path", "backup_dir", mode="before")(_not_empty)

    @field_validator("backup_dir")
    @classmethod
    def _writable_folder(cls, value: Path | None) -> Path | None:
        if value is not None:
            problem = folder_problem(value)
            if problem is not None:
                raise ValueError(
                    f"{problem}; or leave backup_dir out to keep the backups an upgrade takes beside the log"
                )
        return value

    def upgrade_backups(self) -> UpgradeBackups:
        """Where the backups an upgrade takes go and how many are kept (``referral.backup``)."""
        from referral.backup import UpgradeBackups  # the log's modules: when a command opens it

        return UpgradeBackups(self.backup_dir, self.upgrade_backups_kept)


class ModelSettings(BaseModel):
    model_config = {"extra": "forbid"}
    directory: Path | None = Field(
        None,
        description="Folder of versioned ONNX models; default: the models shipped in the package",
    )
    enabled: list[str] = Field(
        default_factory=list, description="Model names to load; empty means every shipped model"
    )


class PolicySettings(BaseModel):
    model_config = {"extra": "forbid"}
    file: Path | None = Field(None, description="Clinic policy TOML; default: the built-in safe policy")


class ServiceSettings(BaseModel):
    model_config = {"extra": "forbid"}
    host: str = Field("127.0.0.1", description="Address the web service binds to")
    port: int = Field(8000, ge=1, le=65535, description="Port the web service binds to")
    secret_key: str | None = Field(
        None,
        description="Retired, never used: staff sessions are random tokens kept in the log, with"
        " nothing to sign. Setting it stops start-up so that no one relies on it",
    )
    default_language: Literal["en", "zh"] = Field("zh", description="Interface language for new users")
    timezone: str | None = Field(
        None,
        description="The clinic's IANA time zone (e.g. Asia/Shanghai) for every time on the pages, the"
        " clinic's day (one open visit a day, today's queue) and readings observed at receipt; unset:"
        " the service machine's zone (often UTC on a server)",
    )
    session_max_age_s: int = Field(
        8 * 3600, ge=60, le=7 * 24 * 3600, description="Staff sessions end after this many seconds"
    )
    idle_logout_s: int = Field(
        30 * 60, ge=60, le=24 * 3600, description="Log out a session unused for this long (shared PCs)"
    )
    login_attempts_per_minute: int = Field(
        5, ge=1, le=1000, description="Failed logins allowed per user name and per client address"
    )
    idempotency_retention_s: int = Field(
        DEFAULT_RETENTION_S,
        ge=MIN_RETENTION_S,
        le=MAX_RETENTION_S,
        description="A request's idempotency key is kept at least this many seconds (3600 = 1 hour"
        " .. 2592000 = 30 days; default 86400 = 24 hours), then forgotten: the request sent again"
        " with it is a new request, stored again. Longer than any client retries a creation",
    )

    @property
    def idempotency_retention(self) -> timedelta:
        return timedelta(seconds=self.idempotency_retention_s)

    @field_validator("secret_key")
    @classmethod
    def _retired_secret_key(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(
                "not used: staff sessions are random tokens kept in the clinic's log, so there is no"
                " key to sign them with and changing it would log no one out; remove the setting"
            )
        return None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {json_text(value)}: give an IANA name, e.g. Asia/Shanghai"
                ) from None
        return value

    secure_cookies: bool = Field(
        False, description="Mark cookies Secure (set when the service is behind HTTPS)"
    )
    run_gateway: bool = Field(True, description="Run the configured device gateway inside the service")
    workers: int = Field(
        0,
        ge=0,
        le=16,
        description="Processes serving HTTP; the first also runs the device gateway. 0 (the default): "
        "one per CPU core, at most 2 (about 180 MB each)",
    )
    propose_referrals: bool = Field(
        True, description="Propose a referral (for a clinician to confirm) when the policy says refer"
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Addresses (or networks, 10.0.0.0/24) of the reverse proxies whose X-Forwarded-For"
        ' and X-Forwarded-Proto the service believes, e.g. ["127.0.0.1"] for a proxy on this machine;'
        " empty (the default): none, every request's client is the address it came from (a local"
        " process could otherwise name any address and dodge the per-address login limit)",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Web origins whose browser apps may call /api/v1 with an API token (CORS), e.g."
        ' ["https://dashboard.clinic.example"]; empty (the default): none, only the service\'s own pages',
    )

    token_max_age_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="API tokens stop working this many days after they are issued (1 .. 3650), unless"
        " their issue says otherwise (POST /api/v1/tokens expires_in_days); an administrator issues a"
        " new one",
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Names the service is reached by beyond an IP address, localhost and names without"
        " a dot (the PC's name on the LAN), e.g. [\"triage.clinic.example\"] (the reverse proxy's"
        ' public name); ".clinic.example": that domain and every name under it. A request naming any'
        " other host is refused (400 host_not_allowed): a page of another site reaching the service by"
        " DNS rebinding",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _HOST_NAME.fullmatch(name):
                raise ValueError(
                    f"{json_text(name)} is not a host name: give the name only, in lower case, e.g."
                    ' "triage.clinic.example", or ".clinic.example" for the domain and every name'
                    ' under it (no scheme, port, path or "*")'
                )
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{json_text(origin)} is not a web origin: give scheme, host and port only, in lower"
                    ' case, e.g. "https://dashboard.clinic.example" or "http://10.0.0.5:8080" (no path,'
                    ' no trailing /, no "*": each origin is named)'
                )
        return value


class GatewaySettings(BaseModel):
    model_config = {"extra": "forbid"}
    profiles: list[Path] = Field(
        default_factory=list, description="Device profile TOML files the gateway runs"
    )
    wire_log: bool = Field(False, description="Write a timestamped hex RX/TX log per device session")


class DeviceAssociationSettings(BaseModel):
    """Bedside devices attached to a patient's encounter (``referral/associations.py``)."""

    model_config = {"extra": "forbid"}
    max_duration_s: int = Field(
        int(DEFAULT_DURATION.total_seconds()),
        description="An attached device's results without a patient id are linked to the patient for at"
        " most this many seconds (60 = 1 minute .. 604800 = 7 days); later ones are held for review. "
        "Default 12 hours: one clinic day or shift, so a device nobody detached never reaches the next "
        "day's patients",
    )

    @field_validator("max_duration_s")
    @classmethod
    def _bounded(cls, value: int) -> int:
        if not MIN_ASSOCIATION_S <= value <= MAX_ASSOCIATION_S:
            raise ValueError(
                f"{value} seconds is outside {MIN_ASSOCIATION_S} (1 minute) .. {MAX_ASSOCIATION_S} (7 days)"
            )
        return value

    @property
    def max_duration(self) -> timedelta:
        return timedelta(seconds=self.max_duration_s)


class Settings(BaseSettings):
    """Every knob the application has."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(
        Path("var"),
        description="Folder for the device wire logs (<data_dir>/wire, gateway.wire_log); the referral log"
        " is database.path, not under it",
    )
    clinic_id: str = Field(
        "clinic-demo",
        description="This clinic's facility id: new visits are recorded at it when the facility directory"
        " has it, else with no facility",
    )
    log_level: str = Field(
        "WARNING",
        description=f"The service's log level: {', '.join(LOG_LEVELS)}, any case (`triage serve --log-level` wins)",
    )

    _data_dir_given = field_validator("data_dir", mode="before")(_not_empty)

    @field_validator("clinic_id")
    @classmethod
    def _named(cls, value: str) -> str:
        # "" started the service recording every visit with no facility, said only in its `ready:` line
        if not value.strip():
            raise ValueError(
                "empty: give this clinic's facility id, as in the facility directory"
                ' (`triage referrals facilities list`), e.g. "clinic-0421"'
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        # it took DEBUG, INFO, WARNING and ERROR only, where `serve --log-level` also takes critical and trace
        if isinstance(value, str) and value.lower() in LOG_LEVELS:
            return value.upper()
        raise ValueError(f"not a log level: choose one of {', '.join(LOG_LEVELS)} (any case)")

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    device_associations: DeviceAssociationSettings = Field(default_factory=DeviceAssociationSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments (the TOML file is passed this way) < environment.
        return (env_settings, init_settings)


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings object from ``path`` (or ``$TRIAGE_CONFIG``), the environment and overrides.

    Raises ``ConfigError`` naming the file and the field when anything is invalid.
    """
    _refuse_misspelt_variables()
    given = path
    path, origin = settings_file(given)
    data: dict[str, Any] = read_toml_file(path, "settings file", origin) if path is not None else {}
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        problems = "; ".join(
            setting_problem(err["loc"], key_message(Settings, err, ENV_PREFIX), given) for err in exc.errors()
        )
        raise ConfigError(problems) from None
    except SettingsError as exc:  # a list or table setting from the environment is not JSON
        raise ConfigError(_not_json(exc)) from None


def _refuse_misspelt_variables() -> None:
    """A ``TRIAGE_`` variable meant as a setting but naming none: pydantic-settings ignores it, so
    ``TRIAGE_DATABASE_PATH=/srv/clinic.db`` (one underscore) or ``TRIAGE_SERVCE__PORT=8080`` left
    the service on ``var/clinic.db`` in its working folder, or port 8000, without a word. Refused
    when the name has ``__`` (only settings nest) or starts with a table's name and ``_``; other
    ``TRIAGE_`` names (``TRIAGE_CONFIG``, a benchmark's) are not settings and are left alone."""
    tables = [name for name, field in Settings.model_fields.items() if is_table(field.annotation)]
    for variable, value in sorted(os.environ.items()):
        if not variable.upper().startswith(ENV_PREFIX) or variable.upper() == CONFIG_ENV:
            continue
        name = variable[len(ENV_PREFIX) :].lower()
        if name.split("__")[0] in Settings.model_fields:
            continue  # a setting: pydantic checks the keys under it
        known = f"known: {', '.join(Settings.model_fields)}"
        table = next((t for t in tables if name.startswith(t + "_") and not name.startswith(t + "__")), None)
        if table is not None:
            meant = f"{ENV_PREFIX}{table.upper()}__{name[len(table) + 1 :].upper()}"
            raise ConfigError(
                f"environment variable {variable}={json_text(value)}: no such setting; a key inside a"
                f" table takes two underscores: {meant}"
            )
        if "__" in name:
            raise ConfigError(
                f"environment variable {variable}={json_text(value)}: unknown setting"
                f" {json_text(name.split('__')[0])}; {known}"
            )


def _not_json(exc: SettingsError) -> str:
    """The environment variable whose value is not the JSON its list or table setting needs, named;
    it was a pydantic-settings traceback ('error parsing value for field "models"')."""
    for variable, value in sorted(os.environ.items()):
        loc = variable.upper().removeprefix(ENV_PREFIX).lower().split("__")
        if not variable.upper().startswith(ENV_PREFIX) or _is_json(value):
            continue
        kind = _kind(loc) if str(exc).startswith(f'error parsing value for field "{loc[0]}"') else None
        if kind == "list":
            example = f"{variable}='[\"{value}\"]'" if '"' not in value else '\'["a", "b"]\''
            return f"environment variable {variable}={json_text(value)}: a list is written as JSON, e.g. {example}"
        if kind == "table":
            return (
                f"environment variable {variable}={json_text(value)}: a table is written as JSON"
                f" ('{{\"key\": value}}'), or set each key alone ({variable}__KEY=value)"
            )
    return f"environment: {exc}"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _kind(loc: list[str]) -> Literal["list", "table"] | None:
    """Whether the setting at ``loc`` is a list or a table, which pydantic-settings reads as JSON."""
    annotation = field_type(Settings, loc)
    if is_table(annotation):
        return "table"
    return "list" if get_origin(annotation) is list else None


def settings_file(given: Path | None) -> tuple[Path | None, str]:
    """The settings file in use - ``given`` (``--config``), else ``$TRIAGE_CONFIG``'s - and what its
    errors say after its path: ``" ($TRIAGE_CONFIG)"`` when the variable named it ("settings file
    /etc/clinic.toml does not exist" left an administrator who gave no --config looking for where
    that path came from: a systemd unit's EnvironmentFile=, a login profile's export)."""
    if given is None and os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), f" (${CONFIG_ENV})"
    return given, ""


def setting_problem(loc: tuple[int | str, ...], message: str, path: Path | None = None) -> str:
    """One invalid setting, named where the user wrote it: the environment variable or the file
    (``path``, given with ``--config``, else ``$TRIAGE_CONFIG``'s, said so)."""
    path, origin = settings_file(path)
    dotted = ".".join(str(part) for part in loc)
    # the key's own variable, else a table's given as JSON (TRIAGE_DATABASE='{"path": ...}'), which
    # then says the key; pydantic-settings matches variable names without regard to case
    for length in range(len(loc), 0, -1):
        wanted = ENV_PREFIX + "__".join(str(part) for part in loc[:length]).upper()
        for variable, value in os.environ.items():
            if variable.upper() == wanted:
                key = "" if length == len(loc) else f"{dotted}: "
                return f"environment variable {variable}={json_text(value)}: {key}{message}"
    where = f"settings file {path}{origin}" if path is not None else "settings"
    return f"{where}: {dotted}: {message}"
