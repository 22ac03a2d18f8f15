"""`triage referrals ...` end to end on a real SQLite file."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import facilities, referrals
from referral.migrations import MIGRATIONS
from referral.records import MAX_RECORD_ID, ReferralIn
from referral.schema import connect
from triage.cli import main
from triage.cli.paths import triage_command

from .conftest import visit


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    assessment = visit(db)
    referral = referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="SpO2 90"),
        actor="dr_li",
    )
    referrals.transition(db, referral["id"], "sent", actor="dr_li")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["referrals", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_creates_and_is_repeatable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new.db"  # in a folder that exists: a --db in a missing one is refused
    code, out, _ = run(capsys, "migrate", "--db", str(path))
    assert code == 0 and f"applied {len(MIGRATIONS._migrations)} migrations" in out
    code, out, _ = run(capsys, "migrate", "--db", str(path), "--json")
    assert code == 0 and json.loads(out)["applied_now"] == []


def test_list_show_stats_json(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--db", str(log), "--json")
    listed = json.loads(out)
    assert code == 0 and [r["status"] for r in listed["data"]] == ["sent"]
    assert (listed["total"], listed["more"], listed["next_before_id"], listed["next"]) == (1, 0, None, None)
    code, out, _ = run(capsys, "list", "--db", str(log))
    assert code == 0 and "ZJ-S01" in out and out.startswith("id")
    code, out, _ = run(capsys, "show", "1", "--db", str(log), "--json")
    detail = json.loads(out)
    assert [e["to_status"] for e in detail["events"]] == ["proposed", "sent"]
    assert [a["action"] for a in detail["audit"]] == ["referral.create", "referral.sent"]
    code, out, _ = run(capsys, "stats", "--db", str(log), "--json")
    assert json.loads(out)["referrals_by_status"]["sent"] == 1


def test_tables_have_no_trailing_spaces_and_stay_aligned(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli.output import print_table

    print_table(
        [{"id": 1, "name": "a", "note": ""}, {"id": 22, "name": "longer", "note": "x"}],
        ("id", "name", "note"),
    )
    assert capsys.readouterr().out.splitlines() == ["id  name    note", "1   a       -", "22  longer  x"]
    print_table([{"a": "1", "b": None}], ("a", "b"))  # an empty last cell prints '-': nothing to pad
    assert capsys.readouterr().out == "a  b\n1  -\n"
    code, out, _ = run(capsys, "list", "--db", str(log))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 and all(line == line.rstrip() for line in lines)
    header = lines[0].split()
    assert [lines[0].index(c) for c in header[1:]] == [
        lines[1].index(v, lines[0].index(c)) for c, v in zip(header[1:], lines[1].split()[1:], strict=True)
    ]


def test_user_errors_are_one_line(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "42", "--db", str(log))
    assert (code, err) == (
        1,
        f"error: no referral 42 in the referral log {log}: `{triage_command()} referrals list --db {log}`"
        " lists its referrals\n",
    )
    code, _, err = run(capsys, "list", "--db", str(tmp_path / "missing.db"))
    assert code == 1 and "triage referrals migrate" in err
    code, _, err = run(capsys, "list", "--status", "lost", "--db", str(log))
    # named as --tier and --state are (it was "unknown referral status 'lost'", no option named)
    assert code == 2 and err == (
        'error: --status "lost": choose one of proposed, sent, accepted, arrived, completed, declined,'
        " cancelled\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nA,B\n", encoding="utf-8")
    code, _, err = run(capsys, "facilities", "load", str(bad), "--db", str(log))
    assert code == 2 and "line 1: header is missing column" in err


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("csv", "r.csv"),
        ("parquet", "r.parquet"),
        ("jsonl", "r.jsonl"),
        ("fhir", "r.json"),
        ("analytics", "out"),
    ],
)
def test_export_every_format(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, name: str
) -> None:
    out = tmp_path / name
    code, stdout, _ = run(capsys, "export", "--format", fmt, "--out", str(out), "--db", str(log))
    assert code == 0, stdout
    if fmt == "analytics":
        assert json.loads((out / "manifest.json").read_text())["tables"]["encounters"]["rows"] == 1
        assert "SYNTHETIC" in stdout
    else:
        assert out.stat().st_size > 0 and "1 referral as" in stdout


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "fhir"])
def test_export_to_a_path_that_cannot_be_written_is_one_line_and_leaves_nothing(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """--out under a file, or in a folder that cannot hold files (/proc): were tracebacks."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out, why in (
        (blocker / f"r.{fmt}", f"{blocker} is a file, not a folder"),
        (Path(f"/proc/r.{fmt}"), ""),
    ):
        code, stdout, err = run(capsys, "export", "--format", fmt, "--out", str(out), "--db", str(log))
        assert code == 2 and stdout == "" and err.count("\n") == 1, err
        assert err.startswith(f"error: --out {out}: cannot write the file (") and why in err
        assert not out.exists() and not out.with_name(out.name + ".partial").exists()


def test_analytics_export_to_a_folder_that_cannot_be_created_is_one_line(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was a NotADirectoryError/FileNotFoundError traceback after 'writing ... export to'."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out, why in (
        (blocker / "export", "Not a directory"),
        (Path("/proc/export"), "No such file or directory"),
    ):
        code, stdout, err = run(
            capsys, "export", "--format", "analytics", "--out", str(out), "--db", str(log)
        )
        assert (code, stdout) == (2, "")
        assert (
            err
            == f"error: --out {out}: cannot create the folder ({why}); give a folder that can be written\n"
        )


def test_a_log_whose_folder_cannot_be_created_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run(capsys, "migrate", "--db", str(blocker / "clinic.db"))
    assert code == 2
    assert err == (
        f"error: {blocker / 'clinic.db'}: cannot create the referral log's folder ({blocker} is a file, not a folder)\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["referrals", "show", "{id}"],
        ["referrals", "acknowledge", "{id}", "--actor", "dr", "--reason", "r"],
        ["referrals", "cancel", "{id}", "--actor", "dr", "--note", "n"],
        ["devices", "associations", "close-encounter", "{id}", "--actor", "n", "--reason", "r"],
        ["devices", "associations", "attach", "ox", "--actor", "n", "--encounter", "{id}"],
    ],
)
def test_an_id_past_64_bits_is_a_usage_error_not_an_overflow_traceback(
    log: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    huge = str(2**64)
    code = main([arg.replace("{id}", huge) for arg in argv] + ["--db", str(log)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    # typer's words vary by version; the limit is named either way
    assert err.startswith("error: triage ") and 'Invalid value for "' in err and str(MAX_RECORD_ID) in err


def test_a_reading_command_does_not_turn_an_empty_file_into_a_referral_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite takes an empty file for an empty database: `list --db notes.txt` on an empty file
    wrote 270 kB of schema into it and printed an empty list."""
    empty = tmp_path / "notes.txt"
    empty.write_bytes(b"")
    for argv in (["referrals", "list"], ["referrals", "stats"], ["devices", "associations", "list"]):
        assert main([*argv, "--db", str(empty)]) == 2
        assert capsys.readouterr().err == (
            f"error: {empty} is an empty file (0 bytes), not a referral log: a mistyped --db, or a first"
            " start that failed before writing anything (a full disk: free space, then delete it); check"
            f" --db, or create one there with `triage referrals migrate --db {empty}`\n"
        )
        assert empty.stat().st_size == 0
    code, out, _ = run(capsys, "migrate", "--db", str(empty))
    assert code == 0 and "applied" in out


def test_verify_audit_ok_and_tampered(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify-audit", "--db", str(log))
    assert code == 0 and "audit chain intact" in out
    db = Database(log)
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 11")
    code, _, err = run(capsys, "verify-audit", "--db", str(log))
    assert code == 1 and "broken at entry 11" in err
    code, out, _ = run(capsys, "verify-audit", "--db", str(log), "--json")
    assert code == 1 and json.loads(out)["first_broken_seq"] == 11


def test_queue_command(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "queue", "--day", "2026-05-01", "--db", str(log), "--json")
    assert code == 0 and json.loads(out)[0]["disposition"] == "urgent_referral"
    code, _, err = run(capsys, "queue", "--day", "May 1", "--db", str(log))
    assert code == 2 and err == 'error: --day "May 1" is not a date YYYY-MM-DD\n'


def test_a_file_that_is_not_a_referral_log_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("this is not SQLite\n" * 100, encoding="utf-8")
    for argv in (["referrals", "list"], ["referrals", "migrate"], ["devices", "associations", "list"]):
        assert main([*argv, "--db", str(junk)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {junk}: not a usable referral log (SQLite: file is not a database) - ")
        assert err.endswith(
            f"restore the latest backup (`triage referrals restore --from FILE --db {junk} --replace-damaged`)\n"
        )


def test_facilities_list_checks_the_tier_and_says_when_empty(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "facilities", "list", "--tier", "quaternary", "--db", str(log))
    assert code == 2 and err == 'error: --tier "quaternary": choose one of primary, secondary, tertiary\n'
    code, out, _ = run(capsys, "facilities", "list", "--tier", "tertiary", "--db", str(log))
    assert code == 0 and out and "no facilities" not in out
    empty = tmp_path / "empty.db"
    assert run(capsys, "migrate", "--db", str(empty))[0] == 0
    code, out, _ = run(capsys, "facilities", "list", "--db", str(empty))
    assert (code, out) == (0, "no facilities; load them with `triage referrals facilities load FILE.csv`\n")


ESCAPES = "\x1b]0;owned\x07\x1b[2J\r\nFAKE\u202e\x9b"
SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x0aFAKE\\u202e\\x9b"


def test_stored_text_with_control_characters_prints_escaped_and_json_stays_exact(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An MRN, a reason, a note and a facility name stored (earlier, or by another client) with
    ESC, BEL, CR/LF, a bidi override and a C1 CSI: the listings print them as escapes, never the
    characters a terminal acts on; --json gives back the stored text exactly."""
    db = Database(log)
    db.execute("UPDATE patients SET mrn = ?", [f"MRN{ESCAPES}"])
    db.execute("UPDATE referrals SET reason = ?", [f"why{ESCAPES}"])
    db.execute("UPDATE referral_events SET note = ?", [f"note{ESCAPES}"])
    db.execute("UPDATE facilities SET name = ? WHERE id = 'ZJ-S01'", [f"Hospital{ESCAPES}"])
    db.conn.commit()
    printed = {
        "queue": run(capsys, "queue", "--day", "2026-05-01", "--db", str(log))[1],
        "show": run(capsys, "show", "1", "--db", str(log))[1],
        "facilities": run(capsys, "facilities", "list", "--db", str(log))[1],
    }
    for command, out in printed.items():
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", out), command
    assert f"MRN{SHOWN}" in printed["queue"] and len(printed["queue"].splitlines()) == 1
    assert f"reason: why{SHOWN}" in printed["show"] and f"(note{SHOWN})" in printed["show"]
    assert f"Hospital{SHOWN}" in printed["facilities"]

    code, out, _ = run(capsys, "queue", "--day", "2026-05-01", "--db", str(log), "--json")
    assert code == 0 and json.loads(out)[0]["mrn"] == f"MRN{ESCAPES}"
    assert not re.search("[\x1b\x07\x9b\u202e]", out), "JSON escapes them too (\\u001b, \\u009b)"
    code, out, _ = run(capsys, "show", "1", "--db", str(log), "--json")
    assert json.loads(out)["referral"]["reason"] == f"why{ESCAPES}"


def test_a_table_escapes_its_cells_and_stays_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli.output import print_table

    print_table([{"id": "a\x1b[31mb", "note": "x"}, {"id": "1", "note": "\tz"}], ("id", "note"))
    assert capsys.readouterr().out.splitlines() == [
        "id          note",
        "a\\x1b[31mb  x",
        "1           \\x09z",
    ]


def test_list_pages_back_with_before_id_and_says_how_many_more(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`referrals list` showed the newest --limit referrals and no way past them, nor that more
    existed. --before-id pages back as the API's before_id does; the text ends with how many more
    and the next page's command, --json carries the same."""
    db = connect(log)

    def refer(mrn: str, started_at: str, sent: bool = False) -> None:
        assessment = visit(db, mrn=mrn, started_at=started_at)
        made = referrals.create_referral(
            db,
            ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="routine", reason="r"),
            actor="dr",
        )
        if sent:
            referrals.transition(db, made["id"], "sent", actor="dr")

    for n in range(2, 9):  # 7 more referrals, ids 2..8; 3, 5 and 7 sent, as the fixture's 1 is
        refer(f"MRN-{n}", f"2026-05-01T{n + 8:02d}:00:00+08:00", sent=bool(n % 2))
    code, out, _ = run(capsys, "list", "--db", str(log), "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and [int(line.split()[0]) for line in lines[1:4]] == [8, 7, 6]
    assert lines[4] == f"5 more of 8; next page: triage referrals list --db {log} --limit 3 --before-id 6"

    seen: list[int] = []
    argv = ["list", "--db", str(log), "--limit", "3"]
    while True:  # a script follows the next page until there is none
        code, out, _ = run(capsys, *argv, "--json")
        page = json.loads(out)
        assert code == 0 and page["total"] == 8 + len(seen) // 3  # one arrives after each page
        seen += [r["id"] for r in page["data"]]
        assert page["more"] == 8 - len(seen)
        if page["next"] is None:
            assert page["next_before_id"] is None
            break
        assert page["next_before_id"] == seen[-1]
        words = shlex.split(page["next"])
        assert words[:3] == ["triage", "referrals", "list"] and words[-1] == "--json"
        argv = words[2:-1]
        refer(f"MRN-new-{len(seen)}", "2026-05-02T09:00:00+08:00")  # neither shifts a page nor comes twice
    assert seen == [8, 7, 6, 5, 4, 3, 2, 1]

    # filters are kept in the next page's command; the count is of the referrals that match
    code, out, _ = run(capsys, "list", "--db", str(log), "--status", "sent", "--limit", "2")
    assert out.splitlines()[-1] == (
        f"2 more of 4; next page: triage referrals list --db {log} --status sent --limit 2 --before-id 5"
    )
    code, out, _ = run(
        capsys, "list", "--db", str(log), "--status", "sent", "--limit", "2", "--before-id", "5"
    )
    assert [int(line.split()[0]) for line in out.splitlines()[1:]] == [3, 1], "the last page: no more line"
    code, out, _ = run(capsys, "list", "--db", str(log), "--before-id", "1")
    assert (code, out) == (0, "no referrals older than 1 (10 in all)\n")
    code, _, err = run(capsys, "list", "--db", str(log), "--before-id", "0")
    assert code == 2 and "--before-id" in err


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "fhir", "analytics"])
def test_export_json_says_what_was_written(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """`export` had no --json while the other referral commands have it: a script could only parse
    '...: 1 referral as csv'. --json names the file, its referrals, bytes and sha256 (analytics:
    the folder and its manifest, each table's file, rows and sha256), with no progress lines."""
    out = tmp_path / ("out" if fmt == "analytics" else f"r.{fmt}")
    code, stdout, err = run(capsys, "export", "--format", fmt, "--out", str(out), "--db", str(log), "--json")
    assert (code, err) == (0, "")
    done = json.loads(stdout)
    assert (done["format"], done["out"]) == (fmt, str(out))
    if fmt == "analytics":
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert done == {"format": fmt, "out": str(out), "manifest": str(out / "manifest.json")} | manifest
        assert manifest["tables"]["encounters"]["rows"] == 1
    else:
        data = out.read_bytes()
        assert (done["referrals"], done["bytes"]) == (1, len(data))
        assert done["sha256"] == hashlib.sha256(data).hexdigest()


def test_facilities_load_json_says_what_was_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    code, out, err = run(
        capsys,
        "facilities",
        "load",
        str(facilities.DEMO_CSV),
        "--db",
        str(db),
        "--clinic",
        "ZJ-C01",
        "--json",
    )
    assert (code, err) == (0, "")
    loaded = json.loads(out)
    listed = json.loads(run(capsys, "facilities", "list", "--db", str(db), "--json")[1])
    assert loaded == {
        "db": str(db),
        "file": str(facilities.DEMO_CSV),
        "loaded": len(listed),
        "synthetic": sum(1 for f in listed if f["synthetic"]),
        "clinic": "ZJ-C01",
        "ids": [f.id for f in facilities.parse_csv(facilities.DEMO_CSV.read_text(encoding="utf-8"), "x")],
    }
    assert loaded["synthetic"] > 0
