"""The CLI on a terminal whose encoding cannot hold every character it prints (latin-1, ASCII):
each such character comes out as its JSON ``\\u`` + four hex digits escape, never a UnicodeEncodeError
traceback, and JSON output stays the same document. Real processes, real SQLite file."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from referral import facilities, referrals
from referral.records import ReferralIn
from referral.schema import connect
from tests.referral.conftest import visit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TRACES = Path(__file__).resolve().parents[2] / "tests" / "devices" / "traces" / "data"
REASON = "转诊 SpO2 90"  # no latin-1 or ASCII terminal can show it
ENCODINGS = ("latin-1", "ascii")

# Each command runs as `python -c "import sys; from triage.cli import main; sys.exit(main())" ARGS`
# would, on a terminal of one encoding (PYTHONIOENCODING): a process of its own, with its own stdout
# and stderr (pipes) and exit code, and a traceback on its stderr if an exception escapes main().
# What is shared is the start: one interpreter per encoding starts and imports the CLI - and the
# modules of the commands run here that import no numpy, pandas or pyarrow (their threads are not
# forked) - once, then forks one child per command (a line of JSON arguments in, a line of JSON
# out: exit code, stdout and stderr in hex): most of each command's half second of CPU was that.
# The encoding of stdout and stderr is the interpreter's, as it was each process's; what the
# commands print, and how, is decided when they run.
FORKING = r"""
import json, os, selectors, sys
from triage.cli import main
import triage.cli.assess, triage.cli.devices, triage.cli.models, triage.cli.referrals


def run(args):
    out, err = os.pipe(), os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the command: stdin empty, stdout and stderr the pipes, SystemExit ends it
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out[1], 1)
        os.dup2(err[1], 2)
        sys.argv = ["-c", *args]
        sys.exit(main())
    os.close(out[1])
    os.close(err[1])
    got = {out[0]: b"", err[0]: b""}
    with selectors.DefaultSelector() as selector:
        for fd in got:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                chunk = os.read(key.fd, 65536)
                if chunk:
                    got[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
                    os.close(key.fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), got[out[0]], got[err[0]]


for line in sys.stdin:
    code, printed, said = run(json.loads(line))
    print(json.dumps([code, printed.hex(), said.hex()]), flush=True)
"""


class _Terminal:
    """The forking interpreter of one terminal encoding (see FORKING)."""

    def __init__(self, encoding: str) -> None:
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        env.pop("TRIAGE_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORKING],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="ascii",
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(args) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, self.process.communicate(timeout=30)[1]
        code, printed, said = json.loads(answer)
        return subprocess.CompletedProcess(
            ["triage", *args], code, bytes.fromhex(printed), bytes.fromhex(said)
        )

    def close(self) -> None:
        _, err = self.process.communicate(timeout=30)  # stdin closed: the loop ends
        assert self.process.returncode == 0, err


_TERMINALS: dict[str, _Terminal] = {}


@pytest.fixture(scope="module", autouse=True)
def _terminals() -> Iterator[None]:
    yield
    while _TERMINALS:
        _TERMINALS.popitem()[1].close()


def _triage(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    if encoding not in _TERMINALS:
        _TERMINALS[encoding] = _Terminal(encoding)
    return _TERMINALS[encoding].run(*args)


def _printed(done: subprocess.CompletedProcess[bytes], encoding: str, code: int = 0) -> str:
    """stdout, which must be text in ``encoding``, after a run that ended with ``code`` and no
    traceback."""
    err = done.stderr.decode(encoding, "replace")
    assert "Traceback" not in err and done.returncode == code, err
    return done.stdout.decode(encoding)  # strict: nothing the terminal cannot show


@pytest.fixture(scope="module")
def on_utf8() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """``triage ARGS`` on a UTF-8 terminal, the reference a latin-1 or ASCII run is compared with:
    run once for both encodings (it does not depend on theirs)."""
    done: dict[tuple[str, ...], subprocess.CompletedProcess[bytes]] = {}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        if args not in done:
            done[args] = _triage(*args, encoding="utf-8")
        return done[args]

    return run


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("encoding") / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment = visit(db)
    referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason=REASON),
        actor="dr_li",
    )
    return path


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_models_commands_print_escapes_not_a_traceback(
    encoding: str, on_utf8: Callable[..., subprocess.CompletedProcess[bytes]]
) -> None:
    """cvd10's card cites 中国心血管病风险评估和管理指南: `triage models show cvd10` ended in a
    UnicodeEncodeError traceback on a latin-1 terminal."""
    shown = _printed(_triage("models", "show", "cvd10", encoding=encoding), encoding)
    assert "China-PAR 10-year ASCVD categories, \\u4e2d\\u56fd\\u5fc3" in shown
    card = json.loads(_printed(_triage("models", "show", "cvd10", "--json", encoding=encoding), encoding))
    utf8 = on_utf8("models", "show", "cvd10", "--json")
    assert card == json.loads(utf8.stdout.decode("utf-8"))  # the same document
    listed = _printed(_triage("models", "list", encoding=encoding), encoding)
    assert listed.startswith("Risk models in ") and "cvd10" in listed
    refused = _triage("models", "show", "心血管", encoding=encoding)
    _printed(refused, encoding, code=1)
    assert refused.stderr.decode(encoding).startswith('error: unknown model "\\u5fc3\\u8840\\u7ba1"')


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_assess_table_and_json_print_escapes_not_a_traceback(encoding: str, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    doc = json.loads((EXAMPLES / "local-care.json").read_text(encoding="utf-8"))
    doc["patient"]["patient_id"] = "张三-01"
    case.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    table = _printed(_triage("assess", str(case), "--no-models", "--table", encoding=encoding), encoding)
    assert table.startswith(
        'SYNTHETIC input ("synthetic": true): not a real patient\ndisposition: local_care'
    )
    both = _printed(
        _triage("assess", str(case), str(case), "--no-models", "--table", encoding=encoding), encoding
    )
    assert f"== {case}" in both
    printed = json.loads(_printed(_triage("assess", str(case), "--no-models", encoding=encoding), encoding))
    assert printed["patient_id"] == "张三-01"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_referrals_list_and_show_print_escapes_not_a_traceback(encoding: str, log: Path) -> None:
    """A reason stored in Chinese: `referrals list --json` and `show` crashed on a latin-1 terminal."""
    table = _printed(_triage("referrals", "list", "--db", str(log), encoding=encoding), encoding)
    assert table.startswith("id") and "ZJ-S01" in table
    rows = json.loads(
        _printed(_triage("referrals", "list", "--db", str(log), "--json", encoding=encoding), encoding)
    )
    assert rows["data"][0]["reason"] == REASON
    shown = _printed(_triage("referrals", "show", "1", "--db", str(log), encoding=encoding), encoding)
    assert "reason: \\u8f6c\\u8bca SpO2 90" in shown


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_report_generate_prints_escapes_on_a_latin1_or_ascii_terminal(encoding: str, tmp_path: Path) -> None:
    """`triage report` printed with typer.echo, which on an ASCII terminal wrote UTF-8 bytes
    (click takes ASCII for a misconfigured locale): 出口 reached the terminal as six bytes it cannot
    show, not as the escapes every other command prints."""
    out = tmp_path / "出口"
    small = ("--clinics", "2", "--rows", "100", "--months", "8")
    printed = _printed(_triage("report", "generate", "--out", str(out), *small, encoding=encoding), encoding)
    assert f"under {tmp_path}/\\u51fa\\u53e3 (" in printed, printed
    done = _triage(
        "report", "generate", "--out", str(tmp_path / "出口2"), *small, "--json", encoding=encoding
    )
    assert json.loads(_printed(done, encoding))["out"] == str(tmp_path / "出口2")  # the same document


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real capture in a file named in Chinese, replayed on every terminal."""
    path = tmp_path_factory.mktemp("replay") / "样本.hl7"
    path.write_bytes((TRACES / "mindray-bs380.hl7").read_bytes())
    return path


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_devices_replay_prints_escapes_on_a_latin1_or_ascii_terminal(
    encoding: str, capture: Path, on_utf8: Callable[..., subprocess.CompletedProcess[bytes]]
) -> None:
    """`triage devices replay` wrote its stderr lines straight to click's stream: UTF-8 bytes on
    an ASCII terminal for a capture file named in Chinese."""
    args = ("devices", "replay", str(capture), "-p", "hl7", "--profile", "mindray-bs380")
    done = _triage(*args, encoding=encoding)
    utf8 = on_utf8(*args)
    assert done.returncode == utf8.returncode and "Traceback" not in done.stderr.decode(encoding, "replace")
    said = done.stderr.decode(encoding)  # strict: nothing the terminal cannot show
    assert f"{capture.parent}/\\u6837\\u672c.hl7: profile mindray-bs380" in said, said
    assert said == utf8.stderr.decode("utf-8").replace("样本", "\\u6837\\u672c")
    assert done.stdout == utf8.stdout  # observations: ASCII JSON either way


# Everything the CLI prints goes through triage.cli.output (write, echo, print_json, print_table):
# a command that calls these itself bypasses the terminal-encoding rule (and the escaping of
# stored text), as report, study, demo, serve and devices did.
_BYPASSES = {
    "print",
    "typer.echo",
    "typer.secho",
    "typer.get_text_stream",
    "click.echo",
    "click.secho",
    "click.get_text_stream",
    "sys.stdout.write",
    "sys.stderr.write",
    "sys.stdout.buffer.write",
    "sys.stderr.buffer.write",
}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def test_no_cli_module_prints_but_through_the_shared_writer() -> None:
    cli = Path(__file__).resolve().parents[2] / "triage" / "cli"
    modules = sorted(p for p in cli.glob("*.py") if p.name != "output.py")
    assert len(modules) > 10  # the folder is there and holds the commands
    found = [
        f"{module.name}:{node.lineno}: {_dotted(node.func)}"
        for module in modules
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and _dotted(node.func) in _BYPASSES
    ]
    assert found == [], "print through triage.cli.output.write (or echo, print_json, print_table)"
