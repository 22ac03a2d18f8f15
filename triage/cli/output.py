r"""How the CLI prints records: indented JSON (``--json``) and aligned plain-text tables, the same
for every command that lists things (referrals, facilities, device associations, serial ports).

Text that was stored or received (MRNs, names, notes, reasons, what a device sent) goes to the
terminal through :func:`shown` (tables, :func:`echo`): a control character in it - ESC starting a
terminal escape sequence, a carriage return, a newline forging a line - prints as its escape
(``\x1b``, ``\x0d``: backslash and hex, ``\u202e`` for a bidirectional override), so a value
stored with them cannot drive the reader's terminal. ``--json`` stays exact JSON (``json.dumps``
escapes them itself).

Everything the CLI prints goes through :func:`write`, which never fails on a terminal whose
encoding cannot hold a character (``LANG=en_US.ISO-8859-1``, ``PYTHONIOENCODING=latin-1`` or
``ascii``, GBK for an 'ö'): such a character prints as JSON's ``\u`` + four hex digits escape (a UTF-16 pair
``\ud83d\ude00`` above U+FFFF), so JSON output stays the same document and text names the code
point - ``中`` is ``\u4e2d`` on a latin-1 terminal - instead of a UnicodeEncodeError traceback.
:func:`guard_streams` gives stdout and stderr the same rule for the few writers that bypass
:func:`write` (rich's progress bar, a library's warning)."""

from __future__ import annotations

import codecs
import json
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer

Tick = Callable[[str, int, int], None]
# C0 controls (ESC, CR, LF, TAB, BEL...), DEL and C1 controls (CSI U+009B), line and paragraph
# separators, and the bidirectional embeddings, overrides and isolates that reorder what is shown
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NOT_ESCAPED_BY_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # all but C0


def shown(value: object) -> str:
    r"""``value`` as text a terminal prints literally: each control character as its escape
    (``\x1b``, ``\x0a``; ``\u202e`` above U+00FF); other text, CJK included, unchanged."""
    return _CONTROL.sub(_escape, str(value))


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNENCODABLE = "triage-json-escape"


def _json_escapes(problem: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the characters the encoding cannot hold as ``\\u`` + four hex digits escapes."""
    if not isinstance(problem, UnicodeEncodeError):
        raise problem
    units = problem.object[problem.start : problem.end].encode("utf-16-be", "surrogatepass")
    escaped = "".join(f"\\u{units[i] << 8 | units[i + 1]:04x}" for i in range(0, len(units), 2))
    return escaped, problem.end


codecs.register_error(_UNENCODABLE, _json_escapes)


def fit_terminal(text: str, *, err: bool = False) -> str:
    """``text`` with every character stdout's (``err``: stderr's) encoding cannot hold written as
    its ``\\u`` + four hex digits escape; unchanged where the encoding holds it all (UTF-8)."""
    encoding = getattr(sys.stderr if err else sys.stdout, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, _UNENCODABLE).decode(encoding)
    except LookupError:  # an encoding Python does not know: let the stream report it
        return text


def write(text: str, *, err: bool = False, nl: bool = True, fg: str | None = None) -> None:
    """The one way the CLI prints: ``text`` as it is (no control-character escaping: see
    :func:`echo` for stored or received text), fitted to the terminal's encoding; ``fg`` colours
    it on a terminal (typer's colour names; nothing added when the output is redirected)."""
    fitted = fit_terminal(text, err=err)
    typer.echo(typer.style(fitted, fg=fg) if fg else fitted, err=err, nl=nl)


def guard_streams() -> None:
    """stdout and stderr write a character their encoding cannot hold as its ``\\u`` + four hex digits escape,
    as :func:`write` does, rather than raise: for output that does not come through it."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=_UNENCODABLE)


def echo(text: object, *, err: bool = False) -> None:
    """One line that names stored or received text, as :func:`shown` makes it."""
    write(shown(text), err=err)


def print_json(value: Any) -> None:
    """Indented JSON; json.dumps escapes C0 controls itself, and DEL, C1 controls and the others
    :func:`shown` escapes are written ``\\u009b`` too: the same JSON, nothing a terminal acts on."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    write(_NOT_ESCAPED_BY_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text))


def print_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Aligned columns under a header line; empty cells print as '-'; no trailing spaces; each
    cell through :func:`shown`."""
    cells = [[shown(r[c] or "-") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    write(line(list(columns)))
    for row in cells:
        write(line(row))


#: How wide the CLI's own text lines are: a terminal's 80 columns.
LINE_WIDTH = 80


def packed(fields: Sequence[str], sep: str = "  ", indent: str = "", more: str | None = None) -> list[str]:
    """``fields`` joined by ``sep`` into lines of at most :data:`LINE_WIDTH` columns, the first
    indented by ``indent``, the others by ``more`` (default: two more): a field that does not fit on
    the current line starts the next one whole, and is broken between its words only when it is
    longer than a line (a word longer than a line, such as a long path, is kept whole). A line that
    ends before a field ends with ``sep`` without its spaces (``;``)."""
    more = indent + "  " if more is None else more
    lines: list[str] = []
    current = ""
    for number, field in enumerate(fields, 1):
        lead = more if lines else indent
        room = LINE_WIDTH - (0 if number == len(fields) else len(sep.rstrip()))  # its ';' after it
        if current and len(lead + current + sep + field) <= room:
            current += sep + field
            continue
        if current:
            lines.append(lead + current + sep.rstrip())
            lead = more
        pieces = textwrap.wrap(
            field,
            room,
            initial_indent=lead,
            subsequent_indent=more,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [lead]
        lines.extend(pieces[:-1])
        current = pieces[-1][len(lead if len(pieces) == 1 else more) :]
    if current or not lines:
        lines.append((more if lines else indent) + current)
    return lines


def examples(*commands: str) -> str:
    """A command's ``--help`` epilog: worked command lines, one a line (no square brackets: the
    help is Rich markup)."""
    return "Examples:\n" + "\n".join(f"  {command}" for command in commands)


@contextmanager
def step_progress(silent: bool, total: int, *, stages: bool = False) -> Iterator[Tick]:
    """Progress of long work, always on stderr: on a terminal a bar that is gone when the work is
    done; redirected (a log file, a cron job), plain lines, never a bar's carriage returns: one
    ``... [k/n] step`` line per step, as `triage report` does, or with ``stages`` one ``... step``
    line per stage, the first time its words come (an engine that ticks every iteration would
    fill a log with the same line); nothing when ``silent`` (--json, --quiet). Yields
    ``tick(step, done, total)``."""
    if silent or not sys.stderr.isatty():
        said: set[str] = set()

        def say(step: str, done: int, of: int) -> None:
            if silent or (stages and step in said):
                return
            said.add(step)
            write(f"... {step}" if stages else f"... [{done}/{of}] {step}", err=True)

        yield say
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    # on stderr: rich's default console is stdout, so `... > out.txt` hid the bar from the
    # terminal and wrote nothing useful to the file
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=total)

        def tick(step: str, done: int, of: int) -> None:
            bar.update(task, description=step, completed=done, total=of)

        yield tick
