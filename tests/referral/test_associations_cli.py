"""`triage devices associations ...` end to end on a real SQLite file (the CLI's own entry point)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import associations, audit, facilities
from referral.inbox import NewDeviceMessage, record_message
from referral.schema import connect
from triage.cli import main

from .conftest import visit

OXIMETER = "ward-oximeter"


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """A clinic log with two patients seen today and an oximeter that has sent one message."""
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    # Now, when the test runs (day = the clinic's local date); a time taken when the module was
    # imported is yesterday's for a test run after midnight, and attach --mrn found no visit today.
    today = datetime.now().astimezone().isoformat()
    visit(db, mrn="MRN-1", started_at=today)
    visit(db, mrn="MRN-2", started_at=today)
    visit(db, mrn="MRN-OLD", started_at="2026-01-05T09:00:00+08:00")
    record_message(
        db, NewDeviceMessage(device_id=OXIMETER, session_id="s", protocol="line", raw=b"SPO2=097"), []
    )
    db.close()
    return path


def run(capsys: pytest.CaptureFixture[str], log: Path, *args: str) -> tuple[int, str, str]:
    code = main(["devices", "associations", *args, "--db", str(log)])
    out, err = capsys.readouterr()
    return code, out, err


def open_db(log: Path) -> Database:
    return connect(log)


def test_attach_list_detach(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, log, "list")
    assert (code, out, err) == (0, "no device is attached\n", "")
    code, out, _ = run(capsys, log, "attach", OXIMETER, "--mrn", "MRN-1", "--actor", "nurse_wang")
    db = open_db(log)
    first = associations.active_for_device(db, OXIMETER)
    assert code == 0 and first is not None and first.mrn == "MRN-1" and first.started_by == "nurse_wang"
    assert out == (
        f"attached {OXIMETER} - encounter {first.encounter_id} (MRN-1), association #{first.id}:"
        f" expires {associations.when(str(first.expires_at))}\n"
    )
    assert first.expires_at == (datetime.fromisoformat(first.started_at) + timedelta(hours=12)).isoformat()
    code, out, _ = run(
        capsys, log, "attach", OXIMETER, "--encounter", str(first.encounter_id), "--actor", "n"
    )
    assert code == 0 and out.startswith(f"already attached: {OXIMETER} - encounter {first.encounter_id}")

    code, out, _ = run(capsys, log, "attach", OXIMETER, "--mrn", "MRN-2", "--actor", "nurse_li", "--replace")
    assert code == 0 and "(MRN-2)" in out
    code, out, _ = run(capsys, log, "list")
    header, *rows = out.splitlines()
    assert header.split() == [
        "id",
        "device",
        "encounter",
        "mrn",
        "started",
        "by",
        "expires",
        "ended",
        "end_reason",
    ]
    assert len(rows) == 1 and "MRN-2" in rows[0] and "nurse_li" in rows[0]
    code, out, _ = run(capsys, log, "list", "--all", "--json")
    listed = json.loads(out)
    assert [(a["mrn"], a["active"], a["end_reason"]) for a in listed] == [
        ("MRN-2", True, None),
        ("MRN-1", False, "replaced"),
    ]
    assert listed[0]["expires_at"] > listed[0]["started_at"]

    code, out, _ = run(
        capsys, log, "detach", OXIMETER, "--actor", "nurse_li", "--reason", "patient went home"
    )
    assert code == 0 and out.startswith(f"detached {OXIMETER} - encounter") and "(patient went home)" in out
    code, out, _ = run(capsys, log, "list", "--json")
    assert json.loads(out) == []
    actions = [
        (e["action"], e["actor"]) for e in audit.entries_for(db, "device_association", listed[0]["id"])
    ]
    assert actions == [("device_association.start", "nurse_li"), ("device_association.end", "nurse_li")]
    assert audit.verify(db).ok


def test_user_errors_are_one_line(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def error(*args: str) -> tuple[int, str]:
        code, out, err = run(capsys, log, *args)
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
        return code, err

    assert error("attach", "oxi-typo", "--encounter", "1", "--actor", "n") == (
        1,
        'error: device "oxi-typo" is unknown here: it is not configured in the device gateway and has never'
        f" sent a result (known devices: {OXIMETER})\n",
    )
    code, err = error("detach", OXIMETER, "--actor", "n", "--reason", "done")
    assert (code, err) == (1, f'error: device "{OXIMETER}" is not attached to any encounter\n')
    assert run(capsys, log, "attach", OXIMETER, "--encounter", "1", "--actor", "nurse_wang")[0] == 0
    code, err = error("attach", OXIMETER, "--encounter", "2", "--actor", "nurse_li")
    assert code == 1 and "is already attached to encounter 1" in err and "by nurse_wang" in err
    code, err = error("attach", OXIMETER, "--actor", "n")
    assert code == 2 and "exactly one of --encounter N or --mrn MRN" in err
    code, err = error("attach", OXIMETER, "--encounter", "2", "--mrn", "MRN-2", "--actor", "n")
    assert code == 2 and "exactly one of" in err
    code, err = error("attach", OXIMETER, "--mrn", "MRN-404", "--actor", "n", "--replace")
    assert (code, err) == (1, 'error: no patient with record number "MRN-404"\n')
    code, err = error("attach", OXIMETER, "--mrn", "MRN-OLD", "--actor", "n", "--replace")
    assert code == 1 and f'patient "MRN-OLD" has no encounter on {date.today().isoformat()}' in err
    code, err = error("attach", OXIMETER, "--encounter", "999", "--actor", "n", "--replace")
    assert (code, err) == (1, f'error: cannot attach device "{OXIMETER}": encounter 999 not found\n')
    code, err = error("detach", OXIMETER, "--actor", "n", "--reason", "  ")
    assert (code, err) == (2, 'error: device association: "reason" is empty\n')
    assert main(["devices", "associations", "list", "--db", str(tmp_path / "missing.db")]) == 1
    assert "triage referrals migrate" in capsys.readouterr().err
    code, _, err = run(capsys, log, "detach", OXIMETER, "--actor", "n")
    assert code == 2 and "--reason" in err and "Traceback" not in err
    still = associations.active_for_device(open_db(log), OXIMETER)
    assert still is not None and still.encounter_id == 1, "no failed command changed the association"


def test_expiry_setting_listing_ends_and_detach_says_so(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_DEVICE_ASSOCIATIONS__MAX_DURATION_S", "90")
    assert run(capsys, log, "attach", OXIMETER, "--encounter", "1", "--actor", "nurse_wang")[0] == 0
    db = open_db(log)
    first = associations.history(db, OXIMETER)[0]
    assert first.expires_at == (datetime.fromisoformat(first.started_at) + timedelta(seconds=90)).isoformat()
    past = (datetime.fromisoformat(first.started_at) - timedelta(minutes=2)).isoformat()
    db.execute(
        "UPDATE device_associations SET started_at = ?, expires_at = ? WHERE id = ?",
        [past, first.started_at, first.id],
    )
    db.conn.commit()
    code, out, _ = run(capsys, log, "list")
    assert (code, out) == (0, "no device is attached\n")
    code, out, _ = run(capsys, log, "list", "--all", "--json")
    (ended,) = json.loads(out)
    assert (ended["end_reason"], ended["ended_by"], ended["ended_at"]) == (
        "expired",
        "system",
        first.started_at,
    )
    code, _, err = run(capsys, log, "detach", OXIMETER, "--actor", "n", "--reason", "done")
    assert code == 1 and err == (
        f'error: device "{OXIMETER}" is not attached to any encounter'
        f" (association #{first.id} expired at {associations.when(first.started_at)})\n"
    )

    monkeypatch.setenv("TRIAGE_DEVICE_ASSOCIATIONS__MAX_DURATION_S", "30")
    code, out, err = run(capsys, log, "list")
    assert (code, out) == (2, "")
    assert err == (
        'error: environment variable TRIAGE_DEVICE_ASSOCIATIONS__MAX_DURATION_S="30":'
        " 30 seconds is outside 60 (1 minute) .. 604800 (7 days)\n"
    )


def test_devices_configured_in_the_gateway_can_be_attached(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = Path(__file__).parents[2] / "devices" / "profiles" / "nonin-oximeter.toml"
    config = tmp_path / "clinic.toml"
    config.write_text(f"[gateway]\nprofiles = [{json.dumps(str(profile))}]\n", encoding="utf-8")

    def attach(device: str) -> tuple[int, str, str]:
        args = ["attach", device, "--encounter", "2", "--actor", "nurse_li", "--db", str(log)]
        code = main(["--config", str(config), "devices", "associations", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = attach("nonin-oximeter")
    assert code == 0 and out.startswith("attached nonin-oximeter - encounter 2 (MRN-2)"), err
    code, _, err = attach("other")
    assert code == 1 and f"(known devices: nonin-oximeter, {OXIMETER})" in err


@pytest.mark.parametrize("bad", ["MRN\t1", "MRN\n1", "MRN\x001", "MRN\x1b[31m1"])
def test_a_record_number_with_a_control_character_is_refused_naming_the_option(
    log: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    code, out, err = run(capsys, log, "attach", OXIMETER, "--mrn", bad, "--actor", "n")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith("error: --mrn: the record number has a control or invisible character (U+")
    assert "at character 4" in err and "\x1b" not in err
