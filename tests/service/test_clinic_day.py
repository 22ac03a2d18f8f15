"""The clinic's day is its local date in ``[service] timezone``, whatever zone the machine runs in.

The pages showed times in the clinic's zone, but a visit's day (one open visit a day), today's
queue, the results a device sends joining the day's visit and ``devices associations attach
--mrn`` took the machine's date: on a server in UTC a Beijing clinic's day began at 08:00, its
morning's visits sat in yesterday's queue, and a patient seen at 07:30 got a second visit at
08:30. Here the machine runs at UTC-12 and the clinic at UTC+14, whose dates always differ.
Real service, real SQLite file, the real inbox and pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from referral.inbox import NewDeviceMessage, record_message
from tests.conftest import machine_zone, wait_past_midnight
from tests.service.conftest import PASSWORD, Staff, copy_seeded, make_settings
from tests.service.test_corrections import deliver, result
from triage.cli import main
from triage.service import create_app, held
from triage.service.auth import Role

MACHINE, CLINIC = "Etc/GMT+12", "Pacific/Kiritimati"  # UTC-12 and UTC+14 (POSIX signs reversed)


#: The midnights these tests keep clear of besides ``tests/conftest.py``'s (the machine's real zone,
#: Beijing's, UTC's: its guard runs before a test places the machine at UTC-12): the clinic's
#: (10:00 UTC) and the placed machine's (12:00 UTC), whose day the west service of
#: test_two_services_in_one_process_each_keep_their_own_clinic_s_day reads - it was not kept clear
#: of, and at 11:59:55 UTC that visit was of one day and the test's "now" of the next.
DAY_ZONES = (ZoneInfo(CLINIC), ZoneInfo(MACHINE))


def pause_before_the_day(now: datetime) -> float:
    """How long to wait at ``now`` so that no midnight of :data:`DAY_ZONES` comes within
    ``tests.conftest.MIDNIGHT_MARGIN_S`` (it was 10 s, the clinic's zone alone)."""
    return wait_past_midnight(now, zones=DAY_ZONES)


def clinic_today() -> str:
    """The clinic's date now, after its midnight or the machine's (UTC-12) if one is seconds away."""
    time.sleep(pause_before_the_day(datetime.now(UTC)))
    return datetime.now(ZoneInfo(CLINIC)).date().isoformat()


def test_the_days_read_here_are_kept_clear_of_the_clinic_s_and_the_machine_s_midnights() -> None:
    """The time passed in (never waited for): 10 s before each midnight the tests here read across
    - the clinic's at 10:00 UTC, the machine's at 12:00 UTC - they wait until it has passed."""
    for midnight in (datetime(2026, 12, 5, 10, 0, tzinfo=UTC), datetime(2026, 12, 5, 12, 0, tzinfo=UTC)):
        assert pause_before_the_day(midnight - timedelta(seconds=10)) == pytest.approx(10.5), midnight
        assert pause_before_the_day(midnight + timedelta(seconds=1)) == 0, midnight


@pytest.fixture
def machine_at_utc_minus_12() -> Iterator[None]:
    with machine_zone(MACHINE):
        yield


@pytest.fixture
def kiritimati_clinic(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], machine_at_utc_minus_12: None
) -> Iterator[Staff]:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path, timezone=CLINIC))
    with TestClient(app) as client:
        yield Staff(app, client, tokens)


def test_a_visit_s_day_the_queue_and_device_results_follow_the_clinic_s_zone(
    kiritimati_clinic: Staff,
) -> None:
    staff, nurse = kiritimati_clinic, kiritimati_clinic.bearer(Role.nurse)
    today = clinic_today()
    assert staff.client.post("/api/v1/patients", json={"mrn": "DAY-1"}, headers=nurse).status_code == 201
    opened = staff.client.post("/api/v1/encounters", json={"mrn": "DAY-1"}, headers=nurse)
    assert opened.status_code == 201, opened.text
    visit = opened.json()
    assert visit["day"] == today, f"the machine's date is {datetime.now().date()}"
    assert visit["started_at"].endswith("+14:00"), visit["started_at"]

    queue = staff.client.get("/api/v1/queue", headers=nurse).json()
    assert [row["encounter_id"] for row in queue] == [visit["id"]], "today's queue has it"

    deliver(staff, result("6.2", patient_id="DAY-1"))  # an analyzer's glucose, through the pipeline
    db = staff.app.state.runtime.databases.get()
    joined = db.conn.execute("SELECT DISTINCT encounter_id FROM observations").fetchall()
    assert joined == [(visit["id"],)], "the device's result joins the day's visit, no second one"
    clinic_day = staff.app.state.runtime.clock.today()  # the devices page's day
    assert [row["id"] for row in held.open_encounters(db, clinic_day)] == [visit["id"]], (
        "a held result may join it"
    )


def test_an_age_counts_to_the_clinic_s_date(kiritimati_clinic: Staff) -> None:
    """68 years old today in the clinic, still 67 by the machine's date, a day or two earlier (68:
    a leap year's 29 February has one 68 years before)."""
    today = date.fromisoformat(clinic_today())
    body = {
        "patient": {
            "mrn": "DAY-2",
            "sex": "female",
            "birth_date": today.replace(year=today.year - 68).isoformat(),
        },
        "observations": [{"code": "spo2", "value": 97, "unit": "%"}],
    }
    made = kiritimati_clinic.client.post(
        "/api/v1/assessments", json=body, headers=kiritimati_clinic.bearer(Role.nurse)
    )
    assert made.status_code == 201, made.text
    db = kiritimati_clinic.app.state.runtime.databases.get()
    (age,) = db.conn.execute("SELECT age_years FROM encounters").fetchone()
    assert age == 68
    assert made.json()["assessment"]["scores"]["crb65"]["components"]["age"] == 1


def test_the_cli_s_attach_by_record_number_and_queue_take_the_clinic_s_day(
    tmp_path: Path,
    machine_at_utc_minus_12: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from referral import facilities
    from referral.schema import connect
    from tests.referral.conftest import visit

    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    clinic_today()
    visit(db, mrn="MRN-1", started_at=datetime.now(ZoneInfo(CLINIC)).isoformat())
    record_message(
        db, NewDeviceMessage(device_id="ward-oximeter", session_id="s", protocol="line", raw=b"x"), []
    )
    db.close()
    monkeypatch.setenv("TRIAGE_SERVICE__TIMEZONE", CLINIC)
    args = ["devices", "associations", "attach", "ward-oximeter", "--mrn", "MRN-1", "--actor", "nurse"]
    code = main([*args, "--db", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert out.startswith("attached ward-oximeter - encounter 1 (MRN-1)"), out
    assert main(["referrals", "queue", "--json", "--db", str(path)]) == 0
    queue = json.loads(capsys.readouterr().out)
    assert [row["encounter_id"] for row in queue] == [1], "the clinic's today, not the machine's"


def test_two_services_in_one_process_each_keep_their_own_clinic_s_day(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], machine_at_utc_minus_12: None
) -> None:
    """The zone was a module's global, set by whichever service was built last: a second service
    in the process (``triage serve`` builds one per worker, the tests one per test) moved the
    first one's day, queue and page times to its own zone. UTC-12 and UTC+14: the dates differ."""
    zones = {"east": CLINIC, "west": MACHINE}
    apps, tokens = {}, {}
    for name, zone in zones.items():
        (tmp_path / name).mkdir()
        tokens[name] = copy_seeded(seeded, tmp_path / name)
        apps[name] = create_app(make_settings(tmp_path / name, timezone=zone))  # both built first
    with TestClient(apps["east"]) as east, TestClient(apps["west"]) as west:
        clinic_today()
        for name, client in (("east", east), ("west", west)):
            nurse = {"Authorization": f"Bearer {tokens[name][Role.nurse]}"}
            assert client.post("/api/v1/patients", json={"mrn": name}, headers=nurse).status_code == 201
            visit = client.post("/api/v1/encounters", json={"mrn": name}, headers=nurse).json()
            here = datetime.now(ZoneInfo(zones[name]))
            assert visit["day"] == here.date().isoformat(), (name, visit)
            assert visit["started_at"].endswith(here.strftime("%z")[:3] + ":00"), (name, visit)
            queue = client.get("/api/v1/queue", headers=nurse).json()
            assert [row["encounter_id"] for row in queue] == [visit["id"]], f"{name}: today's queue has it"
            # the queue page gives the visit's start in its service's zone (stored in it: unchanged)
            client.post("/login", data={"username": Role.nurse.value, "password": PASSWORD})
            started = datetime.fromisoformat(visit["started_at"]).strftime("%H:%M")
            assert f">{started}</td>" in client.get("/queue").text, name
