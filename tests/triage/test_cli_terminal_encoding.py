"""The CLI on a terminal whose encoding cannot hold every character it prints (latin-1, ASCII):
each such character comes out as its JSON ``\\u`` + four hex digits escape, never a UnicodeEncodeError
traceback, and JSON output stays the same document. Real processes, real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from referral import facilities, referrals
from referral.records import ReferralIn
from referral.schema import connect
from tests.referral.conftest import visit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ENTRY = "import sys; from triage.cli import main; sys.exit(main())"
REASON = "转诊 SpO2 90"  # no latin-1 or ASCII terminal can show it
ENCODINGS = ("latin-1", "ascii")


def _triage(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    env.pop("TRIAGE_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], capture_output=True, env=env, timeout=120, check=False
    )


def _printed(done: subprocess.CompletedProcess[bytes], encoding: str, code: int = 0) -> str:
    """stdout, which must be text in ``encoding``, after a run that ended with ``code`` and no
    traceback."""
    err = done.stderr.decode(encoding, "replace")
    assert "Traceback" not in err and done.returncode == code, err
    return done.stdout.decode(encoding)  # strict: nothing the terminal cannot show


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
def test_models_commands_print_escapes_not_a_traceback(encoding: str) -> None:
    """cvd10's card cites 中国心血管病风险评估和管理指南: `triage models show cvd10` ended in a
    UnicodeEncodeError traceback on a latin-1 terminal."""
    shown = _printed(_triage("models", "show", "cvd10", encoding=encoding), encoding)
    assert "China-PAR 10-year ASCVD categories, \\u4e2d\\u56fd\\u5fc3" in shown
    card = json.loads(_printed(_triage("models", "show", "cvd10", "--json", encoding=encoding), encoding))
    utf8 = _triage("models", "show", "cvd10", "--json", encoding="utf-8")
    assert card == json.loads(utf8.stdout.decode("utf-8"))  # the same document
    listed = _printed(_triage("models", "list", encoding=encoding), encoding)
    assert listed.startswith("Risk models in ") and "cvd10" in listed
    refused = _triage("models", "show", "心血管", encoding=encoding)
    _printed(refused, encoding, code=1)
    assert refused.stderr.decode(encoding).startswith("error: unknown model '\\u5fc3\\u8840\\u7ba1'")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_assess_table_and_json_print_escapes_not_a_traceback(encoding: str, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    doc = json.loads((EXAMPLES / "local-care.json").read_text(encoding="utf-8"))
    doc["patient"]["patient_id"] = "张三-01"
    case.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    table = _printed(_triage("assess", str(case), "--no-models", "--table", encoding=encoding), encoding)
    assert table.startswith("disposition: local_care")
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
    assert rows[0]["reason"] == REASON
    shown = _printed(_triage("referrals", "show", "1", "--db", str(log), encoding=encoding), encoding)
    assert "reason: \\u8f6c\\u8bca SpO2 90" in shown
