"""Run every benchmark module in this folder (or the ones named on the command line)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
#: 128 + SIGPIPE, as ``triage`` exits when its reader stops early.
CLOSED_PIPE_EXIT = 141


def benchmarks() -> list[str]:
    """The benchmark modules: those that define ``main()`` (``timing`` is a helper they share)."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(HERE)])
        if not m.name.startswith("_") and "\ndef main(" in (HERE / f"{m.name}.py").read_text(encoding="utf-8")
    )


def summary(name: str) -> str:
    """The first line of a benchmark module's docstring: what it measures."""
    text = (HERE / f"{name}.py").read_text(encoding="utf-8").lstrip()
    first = text.strip('"').splitlines()[0] if text.startswith('"""') else ""
    return first.strip('"').strip().replace("``", "")


def usage() -> str:
    rows = "\n".join(f"  {name:<16} {summary(name)}" for name in benchmarks())
    return (
        "usage: python -m bench [NAME ...]   (make bench: all of them)\n\n"
        "Prints each benchmark's figures and its ratios against the targets and peers, measured in\n"
        "the same run. With no NAME every benchmark runs, one after the other.\n\n"
        f"benchmarks:\n{rows}"
    )


def main(argv: list[str]) -> int:
    if any(arg in ("-h", "--help") for arg in argv):
        print(usage())
        return 0
    known = benchmarks()
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(
            f"error: no benchmark named {', '.join(unknown)}; usage: python -m bench [NAME ...]"
            f" with NAME one of {', '.join(known)} (none: all of them)",
            file=sys.stderr,
        )
        return 2
    for name in argv or known:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== bench/{name}.py  (python -m bench {name}) ===", flush=True)
        module.main()
    return 0


def run(argv: list[str]) -> int:
    """:func:`main`, ending quietly when the output is piped to a reader that stops early
    (``python -m bench --help | head -1``), with the triage CLI's exit code for it: the rest of the
    output goes to /dev/null rather than a BrokenPipeError traceback at interpreter exit."""
    try:
        code = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return CLOSED_PIPE_EXIT
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
