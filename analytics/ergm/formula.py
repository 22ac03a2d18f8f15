"""Statnet formula parsing: ``edges + nodeicov("HTH") + edgecov('GeoProx')``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.errors import FormulaError
from referral.errors import json_text

_TERM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\((.*)\))?\s*$", re.S)


@dataclass(frozen=True)
class TermSpec:
    name: str
    args: tuple[str, ...] = ()
    kwargs: tuple[tuple[str, str], ...] = ()


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise FormulaError(f'unbalanced ")" at character {i + 1} of {json_text(text)}')
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quote:
        raise FormulaError(f"unbalanced parentheses or quotes in {json_text(text)}")
    parts.append(text[start:])
    return parts


def _value(raw: str, term: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if re.fullmatch(r"[A-Za-z0-9_.+-]+", raw):
        return raw
    raise FormulaError(f"term {term}: cannot read argument {json_text(raw)}")


def parse_formula(formula: str) -> list[TermSpec]:
    """Terms of a right-hand side (an optional ``net ~`` left-hand side is ignored)."""
    text = formula.split("~", 1)[1] if "~" in formula else formula
    if not text.strip():
        raise FormulaError("the formula has no terms")
    terms = []
    for piece in _split_top(text, "+"):
        match = _TERM.match(piece)
        if not match or not piece.strip():
            raise FormulaError(f"cannot read term {json_text(piece.strip())} in formula {json_text(formula)}")
        name, inner = match.group(1), match.group(2)
        args: list[str] = []
        kwargs: list[tuple[str, str]] = []
        if inner is not None and inner.strip():
            for arg in _split_top(inner, ","):
                key, eq, val = arg.partition("=")
                if eq and re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_.]*\s*", key):
                    kwargs.append((key.strip(), _value(val, name)))
                else:
                    args.append(_value(arg, name))
        terms.append(TermSpec(name, tuple(args), tuple(kwargs)))
    return terms
