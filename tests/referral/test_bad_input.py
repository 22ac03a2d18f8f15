from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import audit, facilities, referrals, store, users
from referral.errors import UnknownFacilityError, UserInputError
from referral.records import FacilityIn, OverrideIn, PatientIn, ReferralIn, parse, required_text
from referral.schema import connect

from .conftest import visit

HEADER = "id,name,tier,region_code,lon,lat,beds,capacity,digital_triage_start\n"


def _snapshot(db: Database) -> tuple[int, int]:
    return (
        db.execute("SELECT count(*) FROM facilities").fetchone()[0],
        db.execute("SELECT count(*) FROM audit").fetchone()[0],
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "A,Clinic,primary,330122,119.6,29.8,10,40,\nB,Hosp,quaternary,330122,119.6,29.8,10,40,\n",
            'line 3: tier: Input should be "primary", "secondary" or "tertiary" (got "quaternary")',
        ),
        (
            "A,Clinic,primary,330122,919.6,29.8,10,40,\n",
            "line 2: lon: Input should be less than or equal to 180",
        ),
        ("A,Clinic,primary,330122,119.6,29.8,ten,40,\n", "line 2: beds: Input should be a valid integer"),
        ("A,Clinic,primary,330122,119.6,29.8,10,40,2024-13-01\n", "line 2: digital_triage_start"),
        ("A,Clinic,primary,330122,119.6,29.8,10,40,,extra\n", "line 2: more fields than the header"),
        (
            "A,Cl\x00inic,primary,330122,119.6,29.8,10,40,\n",
            "line 2: name: has a NUL character (U+0000); send the text without it",
        ),
        (
            "A,Clinic,primary,330122,119.6,29.8,10,40,\nA,Again,primary,1,1,1,1,1,\n",
            'line 3: id "A" repeats line 2',
        ),
    ],
)
def test_bad_facility_csv_names_line_and_column_and_loads_nothing(
    db: Database, tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    before = _snapshot(db)
    with pytest.raises(UserInputError, match="nothing was loaded") as caught:
        facilities.load_csv(db, path, actor="admin")
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert _snapshot(db) == before


def test_bad_header_and_bad_bytes(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db")
    path = tmp_path / "f.csv"
    path.write_text("id,name,tier\nA,b,primary\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="line 1: header is missing column"):
        facilities.load_csv(db, path, actor="admin")
    path.write_bytes(HEADER.encode() + b"A,Cl\xffinic,primary,1,1,1,1,1,\n")
    with pytest.raises(UserInputError, match=f"byte {len(HEADER) + 4} is not UTF-8"):
        facilities.load_csv(db, path, actor="admin")
    assert _snapshot(db) == (0, 0)


def test_a_folder_given_as_the_facility_csv_is_one_line(tmp_path: Path) -> None:
    """Was an IsADirectoryError traceback from `triage referrals facilities load FOLDER`."""
    db = connect(tmp_path / "c.db")
    with pytest.raises(UserInputError, match=f"^facility CSV {tmp_path} is a folder; give the CSV file$"):
        facilities.load_csv(db, tmp_path, actor="admin")
    assert _snapshot(db) == (0, 0)


def test_unknown_facility_in_referral_writes_nothing(db: Database) -> None:
    assessment = visit(db)
    before = (_snapshot(db), db.execute("SELECT count(*) FROM referrals").fetchone()[0])
    with pytest.raises(UnknownFacilityError, match='to_facility "ZJ-NOPE" is not in the facility directory'):
        referrals.create_referral(
            db,
            ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-NOPE", urgency="routine", reason="r"),
            actor="dr",
        )
    assert (_snapshot(db), db.execute("SELECT count(*) FROM referrals").fetchone()[0]) == before
    assert audit.verify(db).ok


def test_override_requires_a_reason(db: Database) -> None:
    assessment = visit(db)
    with pytest.raises(ValueError, match="needs a reason"):
        OverrideIn(clinician="dr", disposition="local_care", reason="   ")
    stored = store.override_assessment(
        db,
        assessment["id"],
        OverrideIn(clinician="dr", disposition="local_care", reason="known COPD baseline"),
    )
    assert store.final_disposition(db, assessment) == "local_care" and stored["reason"]


def test_observation_needs_a_value_and_a_zoned_time() -> None:
    from referral.records import ObservationIn, parse

    with pytest.raises(UserInputError, match=r"device msg-1: .*neither value_num nor value_text"):
        parse(ObservationIn, {"code": "spo2", "observed_at": "2026-05-01T09:00:00+08:00"}, "device msg-1")
    with pytest.raises(UserInputError, match=r"observed_at: .*has no UTC offset"):
        parse(ObservationIn, {"code": "spo2", "value_num": 95, "observed_at": "2026-05-01T09:00:00"}, "form")


NUL_REFUSED = re.escape("has a NUL character (U+0000); send the text without it")


@pytest.mark.parametrize("reason", ["\x00x", "known\x00 COPD"])
def test_a_reason_or_note_with_a_nul_is_refused_naming_the_field_and_nothing_is_written(
    db: Database, reason: str
) -> None:
    """SQLite's length() stops at a NUL: one at the start failed the log's CHECK (length(trim(reason))
    > 0) as an sqlite3.IntegrityError (a 500 from the staff pages), one in the middle was stored cut
    for every reader. Every adapter goes through these inputs, so the log refuses it itself."""
    assessment = visit(db)
    before = _snapshot(db)
    with pytest.raises(UserInputError, match=rf"^reason: {NUL_REFUSED}$"):
        store.override_assessment(
            db, assessment["id"], OverrideIn(clinician="dr", disposition="local_care", reason=reason)
        )
    with pytest.raises(UserInputError, match=rf"^reason: {NUL_REFUSED}$"):
        referrals.create_referral(
            db,
            ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason=reason),
            actor="dr",
        )
    made = referrals.create_referral(
        db,
        ReferralIn(assessment_id=assessment["id"], to_facility="ZJ-S01", urgency="urgent", reason="BP"),
        actor="dr",
    )
    with pytest.raises(UserInputError, match=rf"^note: {NUL_REFUSED}$"):
        referrals.transition(db, made["id"], "cancelled", actor="dr", note=reason)
    with pytest.raises(UserInputError, match=rf"reason: {NUL_REFUSED}$"):
        required_text(reason, "reason", "closing encounter 1", 2000)
    assert store.overrides_for(db, assessment["id"]) == []
    assert referrals.get_referral(db, made["id"])["status"] == "proposed"
    assert _snapshot(db)[0] == before[0] and audit.verify(db).ok


def test_a_facility_named_only_spaces_and_a_patient_name_with_a_control_character_are_refused() -> None:
    facility = {
        "id": "A",
        "tier": "primary",
        "region_code": "1",
        "lon": 1,
        "lat": 1,
        "beds": 1,
        "capacity": 1,
    }
    with pytest.raises(
        UserInputError, match=r"^facility: name: is empty \(only spaces\); give the facility's name"
    ):
        parse(FacilityIn, {**facility, "name": "   "}, "facility")
    assert parse(FacilityIn, {**facility, "name": "Clinic"}, "facility").name == "Clinic"
    for char in ["\t", "\n", "\x1b"]:
        with pytest.raises(
            UserInputError, match=rf"^name: has a control character \(U\+{ord(char):04X}\) at character 4;"
        ):
            PatientIn(mrn="M-1", name=f"Li {char}Wei")
    assert PatientIn(mrn="M-1", name="Li Wei").name == "Li Wei"
    with pytest.raises(UserInputError, match=r"^mrn: the record number has a control"):
        PatientIn(mrn="M\x00-1")  # the record number's own check, which says where


def test_a_name_stored_before_control_characters_were_refused_does_not_stop_filling_in_a_birth_date(
    db: Database,
) -> None:
    from datetime import date

    from referral import patients

    # a log written before names were checked: the name holds a tab
    store.upsert_patient(
        db,
        PatientIn.model_construct(mrn="OLD-1", name="Li\tWei", sex="female", birth_date=None),
        actor="test",
        reason="older log",
    )
    row = patients.register(
        db, PatientIn(mrn="OLD-1", sex="female", birth_date=date(1970, 1, 2)), actor="nurse", reason="walk-in"
    )
    assert (row["name"], row["birth_date"]) == ("Li\tWei", "1970-01-02")
    with pytest.raises(UserInputError, match="name: has a control character"):
        patients.register(db, PatientIn(mrn="OLD-2", name="Li\tWei"), actor="nurse", reason="walk-in")


def test_a_value_with_a_quote_or_a_control_character_is_quoted_as_json_in_the_message() -> None:
    """The referral layer quotes a value as the CLI does (JSON): repr wrote 'a"b' and "it's", two
    quote styles in one message; a control character is escaped, so it is seen and the quotes close."""
    with pytest.raises(UserInputError) as error:
        audit.parse_anchor("it's\x1b[2J\n")
    assert str(error.value).startswith('--anchor "it\'s\\u001b[2J\\n": expected SEQ:HASH'), error.value
    with pytest.raises(UserInputError) as error:
        users.create_user(connect(":memory:"), "b", "x", 'nurse"\t')
    assert str(error.value) == 'role "nurse\\"\\t" is not one of clinician, nurse, integrator, analyst, admin'
