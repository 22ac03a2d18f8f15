"""Dyad-independent ERGM terms as columns over dyads, with R's ergm names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from analytics.ergm.formula import TermSpec
from analytics.ergm.network import Network
from analytics.errors import FormulaError
from referral.errors import json_text

Column = Callable[[np.ndarray, np.ndarray], np.ndarray]

DEPENDENT_TERMS = {"mutual", "triangle", "gwesp"}
#: The terms a formula may use, as an error about an unknown term lists them (docs/ergm.md).
BINARY_TERMS = (
    "edges",
    "nodecov",
    "nodeicov",
    "nodeocov",
    "edgecov",
    "absdiff",
    "nodematch",
    "nodefactor",
    "mutual",
    "triangle",
    "gwesp",
)
VALUED_TERMS = ("sum", "nodecov", "nodeicov", "nodeocov", "edgecov")


@dataclass(frozen=True)
class Statistic:
    name: str
    column: Column


def _constant(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.ones(len(i))


def _receiver(x: np.ndarray) -> Column:
    return lambda i, j: x[j]


def _sender(x: np.ndarray) -> Column:
    return lambda i, j: x[i]


def _both(x: np.ndarray) -> Column:
    return lambda i, j: x[i] + x[j]


def _dyadic(m: np.ndarray) -> Column:
    return lambda i, j: m[i, j]


def _absdiff(x: np.ndarray) -> Column:
    return lambda i, j: np.abs(x[i] - x[j])


def _match(codes: np.ndarray) -> Column:
    return lambda i, j: (codes[i] == codes[j]).astype(float)


def _factor(codes: np.ndarray, level: int) -> Column:
    return lambda i, j: (codes[i] == level).astype(float) + (codes[j] == level).astype(float)


def check_arguments(spec: TermSpec, positional: int = 0, keywords: tuple[str, ...] = ()) -> None:
    """Refuse arguments a term does not take here: R would use them (``nodematch("x", diff=TRUE)``
    is another statistic), so dropping them would silently fit a different model."""
    if len(spec.args) > positional:
        takes = (
            f"at most {positional} positional argument{'s' if positional != 1 else ''}"
            if positional
            else "no arguments"
        )
        got = ", ".join(json_text(a) for a in spec.args)
        raise FormulaError(f"term {spec.name}: takes {takes} here; got {got}")
    for key, value in spec.kwargs:
        if key not in keywords:
            supported = f" (supported: {', '.join(k + '=' for k in keywords)})" if keywords else ""
            raise FormulaError(
                f"term {spec.name}: argument {key}={json_text(value)} is not supported here{supported}"
            )


def _one_arg(spec: TermSpec) -> str:
    if len(spec.args) != 1:
        raise FormulaError(f'term {spec.name} needs exactly one attribute name, e.g. {spec.name}("x")')
    check_arguments(spec, positional=1)
    return spec.args[0]


def build_statistics(terms: list[TermSpec], net: Network, valued: bool) -> list[Statistic]:
    """Turn parsed terms into named dyad columns; unknown or misused terms raise FormulaError."""
    stats: list[Statistic] = []
    tag = "sum." if valued else ""
    for spec in terms:
        name = spec.name
        if name in ("edges", "sum"):
            check_arguments(spec)
            if valued != (name == "sum"):
                raise FormulaError(f"term {name}: use 'edges' for binary and 'sum' for valued (count) models")
            stats.append(Statistic(name, _constant))
        elif name in ("nodecov", "nodeicov", "nodeocov"):
            attr = _one_arg(spec)
            x = net.numeric_attribute(attr)
            if name != "nodecov" and not net.directed:
                raise FormulaError(f"term {name}: only for directed networks; use nodecov")
            fn = {"nodeicov": _receiver, "nodeocov": _sender, "nodecov": _both}[name](x)
            stats.append(Statistic(f"{name}.{tag}{attr}", fn))
        elif name == "edgecov":
            cov_name = _one_arg(spec)
            m = net.covariate(cov_name)
            stats.append(Statistic(f"edgecov.{tag}{cov_name}", _dyadic(m)))
        elif name == "absdiff" and not valued:
            attr = _one_arg(spec)
            x = net.numeric_attribute(attr)
            stats.append(Statistic(f"absdiff.{attr}", _absdiff(x)))
        elif name == "nodematch" and not valued:
            attr = _one_arg(spec)
            codes, _ = _codes(net, attr)
            stats.append(Statistic(f"nodematch.{attr}", _match(codes)))
        elif name == "nodefactor" and not valued:
            attr = _one_arg(spec)
            codes, levels = _codes(net, attr)
            for k in range(1, len(levels)):  # R drops the first (alphabetical) level
                stats.append(Statistic(f"nodefactor.{attr}.{levels[k]}", _factor(codes, k)))
        elif name in DEPENDENT_TERMS:
            raise FormulaError(f"term {name} is dyad-dependent; it is fitted by MCMC-MLE, not here")
        else:
            raise FormulaError(unknown_term(name, valued))
    return stats


def unknown_term(name: str, valued: bool) -> str:
    """Why ``name`` cannot be fitted, with the terms that can: a term of the other kind of model
    (``absdiff`` in a valued one) says which kind takes it."""
    kind, known = ("valued", VALUED_TERMS) if valued else ("binary", BINARY_TERMS)
    other = "binary" if valued else "valued (count)"
    if name in (BINARY_TERMS if valued else VALUED_TERMS):
        what = f"term {json_text(name)} is for a {other} model, not a {kind} one"
    else:
        what = f"unknown term {json_text(name)}"
    return f"{what}; the terms of a {kind} model: {', '.join(known)}"


def _codes(net: Network, attr: str) -> tuple[np.ndarray, list[str]]:
    values = net.attribute(attr).astype(str).to_numpy()
    levels = sorted(set(values))
    lookup = {v: k for k, v in enumerate(levels)}
    return np.array([lookup[v] for v in values]), levels


def dyad_blocks(
    n: int, directed: bool, block_rows: int = 1_000_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(i, j) index arrays covering every dyad once, in blocks of about ``block_rows`` rows."""
    senders_per_block = max(1, block_rows // max(n - 1, 1))
    for start in range(0, n, senders_per_block):
        stop = min(n, start + senders_per_block)
        i = np.repeat(np.arange(start, stop), n)
        j = np.tile(np.arange(n), stop - start)
        keep = (i != j) if directed else (i < j)
        yield i[keep], j[keep]
