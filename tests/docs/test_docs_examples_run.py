"""The command lines README.md and docs/*.md show run as shown, in a scratch folder as a first-day
user copies them: a folder with the repository's `examples/` and bundled device traces, no settings,
a new referral log (`triage referrals migrate`). Only the cheap ones - no server, no device link, no
long computation - and only whole lines (no `FILE`, `[--json]` or `...` to fill in). Each ends as
the docs say (0, or the exit they name) without a traceback, and prints the shape they promise: a
`--table` a disposition line, `examples/*.json` an array of {file, assessment}, `--pretty` indented
JSON. Then the replay summaries docs/devices.md shows are what replay prints for that bundled trace
today (file names aside)."""

from __future__ import annotations

import glob
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.cli.running import TRIAGE, environment
from tests.docs.test_docs_options import PAGES, REPO

TRACES = REPO / "tests" / "devices" / "traces" / "data"

#: commands cheap enough to run for every example line the docs show
CHEAP = {
    ("assess",),
    ("devices", "replay"),
    ("models", "list"),
    ("models", "show"),
    *(
        ("referrals", name)
        for name in ("migrate", "list", "show", "stats", "queue", "tokens", "basis-changes")
    ),
    ("referrals", "verify-audit"),
    ("referrals", "facilities", "list"),
}

#: exits other than 0 the docs name beside the line ("The second exits 1 on purpose", docs/devices.md)
EXITS = {"triage devices replay tests/devices/traces/data/nonin-oximeter.txt": 1}

#: what stands for a value to fill in: FILE, [--json], NAME=..., <id>, {...}, a | of choices
PLACEHOLDER = re.compile(r"\[|\.\.\.|\b[A-Z][A-Z_]{1,}\b|<|\{|\|(?! triage )")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """(line number of its first line, lines) of each fenced code block."""
    blocks, inside, start = [], None, 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if inside is None:
                inside, start = [], number + 1
            else:
                blocks.append((start, inside))
                inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def _lines() -> list[tuple[str, str]]:
    """(where, command line) of every whole `triage` line in a code block or inline span."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(REPO)
        for start, block in _blocks(text):
            for offset, line in enumerate(block):
                if found_line := re.match(r"(?:\$ )?((?:cat \S+ \| )?triage .*)", line):
                    found.append((f"{name}:{start + offset}", found_line[1]))
        prose = re.sub(r"(?ms)^```.*?^```", lambda block: "\n" * block[0].count("\n"), text)
        for span in re.finditer(r"`((?:cat \S+ \| )?triage [^`]+)`", prose):
            found.append((f"{name}:{prose.count(chr(10), 0, span.start()) + 1}", " ".join(span[1].split())))
    return found


def _runnable(line: str) -> str | None:
    """The line without its comment and trailing `&`, if it is a whole cheap command with its files
    there; else None."""
    command = re.split(r"\s+#", line)[0].strip().removesuffix("&").strip()
    if PLACEHOLDER.search(command.removeprefix("cat ")):
        return None
    words = shlex.split(command.split("| ")[-1])[1:]
    if not any(tuple(words[: len(path)]) == path and len(words) > len(path) for path in CHEAP):
        return None  # another command, or a bare command name in a sentence
    files = [
        word
        for word in shlex.split(command)
        if "/" in word or word.endswith((".json", ".toml", ".csv", ".db"))
    ]
    if not all(glob.glob(str(REPO / word)) for word in files):
        return None  # a file of the reader's own (case.json, clinic.toml, /backup/...)
    return command


RUNNABLE = [(where, command) for where, line in _lines() if (command := _runnable(line))]


def _each_once(runnable: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(every place it is shown, command) of each command once, in the order first shown: the same
    line shown on several pages is one run, judged for all of them (the log is not changed by any)."""
    places: dict[str, list[str]] = {}
    for where, command in runnable:
        places.setdefault(command, []).append(where)
    return [(", ".join(wheres), command) for command, wheres in places.items()]


COMMANDS = _each_once(RUNNABLE)


def test_the_examples_a_first_day_user_copies_are_among_them() -> None:
    commands = {command for _, command in RUNNABLE}
    assert "triage assess examples/urgent-referral.json --table" in commands  # README's
    assert "triage assess examples/*.json" in commands
    assert any(command.startswith("triage devices replay tests/devices/traces/") for command in commands)
    assert any(command.startswith("triage referrals ") for command in commands)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A folder with `examples/` and the bundled traces where the docs' paths name them, no
    settings, and a new referral log at the default database.path."""
    folder = tmp_path_factory.mktemp("first-day")
    (folder / "examples").symlink_to(REPO / "examples")
    (folder / "tests" / "devices" / "traces").mkdir(parents=True)
    (folder / "tests" / "devices" / "traces" / "data").symlink_to(TRACES)
    env = environment(COLUMNS="100")  # no settings; `triage` on the PATH, as the docs write it
    subprocess.run([TRIAGE, "referrals", "migrate"], cwd=folder, env=env, check=True, capture_output=True)
    return folder, env


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[f"{w} {c}" for w, c in COMMANDS])
def test_each_example_runs_as_the_docs_say(
    where: str, command: str, scratch: tuple[Path, dict[str, str]]
) -> None:
    folder, env = scratch
    result = subprocess.run(
        command, shell=True, cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    expected = next((code for start, code in EXITS.items() if command.startswith(start)), 0)
    said = f"{where}: `{command}` exit {result.returncode}: {result.stderr[-2000:]}"
    assert result.returncode == expected and "Traceback" not in result.stderr, said
    assert result.stdout or result.stderr, said
    if "--table" in command:
        assert re.search(r"^disposition: \w+", result.stdout, flags=re.MULTILINE), said
    if command.startswith("triage assess examples/*.json"):
        answers = json.loads(result.stdout)
        assert len(answers) == len(glob.glob(str(REPO / "examples" / "*.json"))), said
        assert all(set(answer) == {"file", "assessment"} for answer in answers), said
    if "--pretty" in command:
        assert result.stdout.startswith("{\n  "), said


def _replay_samples() -> list[tuple[str, str, list[str]]]:
    """(where, profile, lines) of each docs/devices.md block of replay lines that names its profile
    and so its bundled trace (`FILE: profile NAME: ...`)."""
    text = (REPO / "docs" / "devices.md").read_text(encoding="utf-8")
    samples = []
    for start, lines in _blocks(text):
        named = [found[1] for line in lines if (found := re.match(r"FILE: profile (\S+?):? ", line))]
        if named and all(line.startswith("FILE: ") for line in lines):
            samples.append((f"docs/devices.md:{start}", named[0], lines))
    return samples


SAMPLES = _replay_samples()


def test_the_shown_replay_lines_are_found() -> None:
    assert {"roche-cobas_c311", "poct1a-glucose_meter"} <= {profile for _, profile, _ in SAMPLES}


@pytest.mark.parametrize(("where", "profile", "lines"), SAMPLES, ids=[w for w, _, _ in SAMPLES])
def test_each_shown_replay_line_is_what_replay_prints(where: str, profile: str, lines: list[str]) -> None:
    (trace,) = (path for path in TRACES.iterdir() if path.stem == profile)
    result = subprocess.run(
        [TRIAGE, "devices", "replay", str(trace), "--profile", profile],
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = [line.replace(str(trace), "FILE", 1) for line in result.stderr.splitlines()]
    differ = [line for line in lines if line not in printed]
    assert not differ, f"{where}: replay of {trace.name} prints no such line: {differ}\nit prints: {printed}"
