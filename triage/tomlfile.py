"""Reading the clinic's TOML files (settings, policy): every way a file can be unreadable is one
``ConfigError`` naming what it is and where."""

from __future__ import annotations

import codecs
import tomllib
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from referral.readable import read_problem
from triage.errors import ConfigError, validation_message


def read_toml_file(path: Path, what: str, origin: str = "") -> dict[str, Any]:
    """The TOML document at ``path`` (UTF-8, a byte order mark allowed); ``what`` names it in errors
    (e.g. ``"policy file"``), ``origin`` says after the path where it was given (``" ($TRIAGE_CONFIG)"``)."""
    named = f"{what} {path}{origin}"
    try:
        with path.open("rb") as fh:
            raw = fh.read()
        # Windows editors (Notepad) write a byte order mark, which TOML does not take: it was
        # 'invalid TOML: Invalid statement (at line 1, column 1)' on a file that reads right
        return tomllib.loads(raw.removeprefix(codecs.BOM_UTF8).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{named} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{named} is a directory; give the TOML file") from None
    except OSError as exc:  # no permission, a socket or device: was a traceback
        blocked = read_problem(path) if isinstance(exc, PermissionError) else None
        if blocked is not None:  # whose file and what to do, as --config says it
            raise ConfigError(f"{named}: {blocked}") from None
        raise ConfigError(
            f"{named}: cannot read the file ({exc.strerror or exc}); check that it is a file this user can read"
        ) from None
    except UnicodeDecodeError as exc:
        at = exc.start + (len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0)  # the file's
        raise ConfigError(f"{named}: byte {at} is not UTF-8; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{named}: invalid TOML: {exc}") from None


def key_message(root: type[BaseModel], error: Any, env_prefix: str | None = None) -> str:
    """A pydantic error's message for a key of ``root`` read from a file or the environment; a key
    the table does not have lists the keys it has: 'Extra inputs are not permitted' did not say that
    ``[databse]`` or ``threshhold`` was a typo, nor what to write. A key another table has (``port``
    outside ``[service]``) names that table, and with ``env_prefix`` its variable."""
    if error["type"] == "path_type":  # "Input is not a valid path for <class 'pathlib.Path'>"
        return 'not a path: write it as text in quotes, e.g. "/var/lib/clinic-triage"'
    given = field_type(root, error["loc"])
    if error["type"] == "model_type" and is_table(given):  # "... instance of DatabaseSettings"
        keys = list(given.model_fields)
        dotted = ".".join(str(part) for part in error["loc"])
        return (
            f"a table, not one value: write [{dotted}] on a line of its own and its keys under it"
            f" ({keys[0]} = ...); keys: {', '.join(keys)}"
        )
    table = field_type(root, error["loc"][:-1])
    if error["type"] != "extra_forbidden" or not is_table(table):
        return validation_message(error)
    known = ", ".join(table.model_fields)
    key = str(error["loc"][-1])
    homes = [".".join(path) for path in _tables(root) if key in field_type(root, path).model_fields]
    if not homes:
        return f"unknown key; known: {known}"
    where = " or ".join(f"[{home}]" for home in homes)
    variables = (
        ""
        if env_prefix is None
        else f" ({', '.join(env_prefix + '__'.join([*home.split('.'), key]).upper() for home in homes)})"
    )
    return f"unknown key here; it is a key of {where}: write it under {where}{variables}; known here: {known}"


def _tables(root: type[BaseModel], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The dotted paths of the tables under ``root`` (not ``root`` itself)."""
    found = []
    for name, field in root.model_fields.items():
        inner = _required(field.annotation)
        if is_table(inner):
            found += [(*path, name), *_tables(inner, (*path, name))]
    return found


def field_type(root: type[BaseModel], loc: tuple[int | str, ...] | list[str]) -> Any:
    """The type at ``loc`` under ``root`` (``("database", "path")``; a ``dict`` value's key goes
    to its value type); ``None`` when ``root`` has nothing there."""
    found: Any = root
    for part in loc:
        if is_table(found):
            field = found.model_fields.get(str(part))
            found = None if field is None else _required(field.annotation)
        elif get_origin(found) is dict:
            found = _required(get_args(found)[1])
        else:
            return None
    return found


def is_table(annotation: Any) -> bool:
    """Whether ``annotation`` is a pydantic model: a TOML table of named keys."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _required(annotation: Any) -> Any:
    """``X`` for ``X | None``; anything else as it is."""
    if get_origin(annotation) in (Union, types.UnionType):
        present = [arg for arg in get_args(annotation) if arg is not type(None)]
        return present[0] if len(present) == 1 else annotation
    return annotation
