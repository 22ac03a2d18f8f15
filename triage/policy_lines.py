"""Where a key is set in a policy file: its line, for the policy's error messages
(``line 3: rules.x.level: ...``). Reads the lines, not the TOML grammar. Pure: no I/O."""

from __future__ import annotations

import re

_TOML_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_TOML_DOTTED = re.compile(rf"\s*({_TOML_KEY}(?:\s*\.\s*{_TOML_KEY})*)\s*")
_TOML_PART = re.compile(_TOML_KEY)


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _TOML_PART.findall(dotted))


def key_line(text: str, key: tuple[str, ...]) -> int | None:
    """The 1-based line of the policy file ``text`` that sets ``key`` (``("rules", "x", "level")``),
    written as a table and a key (``[rules.x]`` then ``level = ...``), a dotted key (``x.level = ...``
    under ``[rules]``) or an inline table on one line (``x = { level = ... }``); a table's key
    (``("rules", "x")``) is the line of its header or of its first key; ``None`` if not found. For
    error messages only: it reads the lines, not the TOML grammar."""
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            header = _TOML_DOTTED.match(stripped[1:])
            table = _key_parts(header.group(1)) if header else ()
            if table == key:  # the table itself: [rules.x] for an unknown rule x
                return number
            continue
        found = _TOML_DOTTED.match(line)
        if not found or not line[found.end() :].startswith("="):
            continue
        full = table + _key_parts(found.group(1))
        rest = line[found.end() + 1 :]
        if full[: len(key)] == key or (
            full == key[: len(full)]
            and rest.lstrip().startswith("{")
            and all(k in rest for k in key[len(full) :])
        ):
            return number
    return None


def line_of(text: str | None, key: tuple[str, ...]) -> str:
    """``"line N: "`` for the line of the policy file ``text`` that sets ``key``; ``""`` unknown."""
    line = None if text is None else key_line(text, key)
    return "" if line is None else f"line {line}: "
