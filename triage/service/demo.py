"""The live demo behind ``make run``: service, simulated devices on pseudo-terminals, SYNTHETIC patients.

A fresh database and facility directory in a new folder, demo accounts with generated passwords
(printed once), three simulated instruments - an ASTM analyzer, an HL7 monitor and a pulse
oximeter - each on its own pty that the real device gateway reads like a serial port, and the
service on ``http://127.0.0.1:8000``. Every few seconds a new synthetic patient is measured;
about one in six is unwell enough for an urgent referral or an emergency transfer (one in twelve;
every other one of those, from the fourteenth, a hypertensive emergency: ``HYPERTENSIVE``), some bring laboratory results that make a published kidney rule propose a routine referral (the
risk models score them and refer only at a very high risk), and every tenth from the third
(``MODEL_REFERRED``) is referred by the risk models alone, where every rule says local care; about
three in five go home with local care. Everything is labelled as demo data.

The simulated nurse types what a nurse observes by hand on arrival - consciousness (ACVPU), air or
oxygen, height and weight, a laboratory slip's cholesterol and creatinine, a urine dipstick - so
NEWS2 is complete (not "≥N"), and once the devices' results are in presses "assess now" with the
history it asked (smoking, known diabetes, blood-pressure medicine, established ASCVD - not asked
of ``ASCVD_UNASKED_EVERY``'s patients, whose page asks it; the acute symptoms beside a severe
pressure), so the risk models score.

The oximeter sends no patient id. Before each patient is measured the demo simulates the nurse
(actor ``demo-nurse``): it registers the patient, opens the encounter and attaches the oximeter
to it through the same code path as the "attach device" control (replacing the previous
patient's association), so the oximeter's SpO2 and pulse reach this patient's assessment.

The simulated nurse also ends visits, so the demo shows the whole lifecycle: a while after its
assessment (``close_after_s``, long enough to open the patient) a visit whose decision is local
care is closed ("sent home with advice"), and a visit whose referral a clinician has confirmed
(sent onwards) is closed ("left for the referral hospital"). A visit waiting for a clinician - a
proposed or declined referral, a referral decision nobody has acted on, too little data - stays
open in the queue. Only the visits the demo opened are closed; every close reason says "demo"
and "SYNTHETIC".
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from triage.scores.blood_pressure import is_emergency_pressure
from triage.service.auth import Role
from triage.service.security import generate_password
from triage.settings import Settings

if TYPE_CHECKING:
    import socket

    from sqlite_utils import Database

DEMO_CLINIC = "ZJ-C01"
DEMO_DATABASE = "demo-clinic.db"  # the file a demo folder holds; a folder that has one is not fresh
FACILITIES_CSV = Path(__file__).resolve().parents[2] / "referral" / "data" / "demo_facilities.csv"
DEVICES = (
    ("astm-analyzer", "demo-analyzer"),
    ("hl7-monitor", "demo-monitor"),
    ("pulse-oximeter", "demo-oximeter"),
)
DEMO_USERS = (("admin", Role.admin), ("doctor", Role.clinician), ("nurse", Role.nurse))
#: The actor of what the demo does in the nurse's place (registering, attaching the oximeter).
DEMO_NURSE = "demo-nurse"
OXIMETER_ID = dict(DEVICES)["pulse-oximeter"]
#: Seconds after its latest assessment that the simulated nurse closes a finished visit.
CLOSE_AFTER_S = 30.0
#: Referral statuses that mean the patient has left for the receiving hospital.
_LEFT_FOR_REFERRAL = ("sent", "accepted", "arrived", "completed")
#: Referral statuses that still need a clinician: the visit stays open.
_WAITING = ("proposed", "declined")
CLOSE_REASONS = {
    "local_care": "demo (SYNTHETIC patient): local care - advice given, sent home; closed by the simulated nurse",
    "referred": "demo (SYNTHETIC patient): referral sent by a clinician - left for the referral hospital;"
    " closed by the simulated nurse",
}
#: The same in Chinese, the default clinic language, as the pages label demo data (演示数据：合成患者)
CLOSE_REASONS_ZH = {
    "local_care": "演示（合成患者）：本院诊治 - 已给予建议，回家；由模拟护士结束",
    "referred": "演示（合成患者）：医生已发送转诊 - 已前往转诊医院；由模拟护士结束",
}


def close_reason(why: str, language: str) -> str:
    """The simulated nurse's close reason (``why``: local_care, referred) in the clinic's language
    (``service.default_language``): a free-text reason is shown as written, and an English one
    stood on every Chinese page."""
    return (CLOSE_REASONS_ZH if language == "zh" else CLOSE_REASONS)[why]


#: Patient 3, 13, 23, ...: referred by the risk models alone (examples/model-referral.json's man
#: of 68 - treated hypertension at 160/95 mmHg, known diabetes, smoker, total cholesterol
#: 6.8 mmol/L): every rule keeps him at local care, cvd10 and stroke10 are over the built-in
#: policy's 30 % and make it a routine referral. SYNTHETIC like every demo patient.
MODEL_REFERRED_EVERY, MODEL_REFERRED_AT = 10, 3
MODEL_REFERRED: dict[str, dict[str, Any]] = {
    "vitals": {"sbp": 160, "dbp": 95, "heart_rate": 78, "spo2": 96, "resp_rate": 16, "temperature": 36.8},
    "labs": {"glucose_random": 8.4, "hba1c": 7.4},
    "typed": {
        "height": 170,
        "weight": 72,
        "total_cholesterol": 6.8,
        "hdl_cholesterol": 1.0,
        "creatinine": 85,
        "urine_protein": "neg",
    },
    "history": {"current_smoker": True, "diabetes": True, "on_antihypertensives": True, "known_ascvd": False},
}

#: Patient 13, 33, 53, ... (every other model-referred man): the nurse does not ask about
#: established ASCVD (``known_ascvd`` left out of his history, recorded false for everyone else),
#: so his page asks it ("established ASCVD" among the missing inputs) beside the models' referral,
#: whose estimates are for people without it (triage.readings.ascvd_unasked).
ASCVD_UNASKED_EVERY, ASCVD_UNASKED_AT = 20, 13

#: Patient 14, 38, 62, ... (every other one of the twelfth's severely unwell): a hypertensive
#: emergency instead - 194/118 mmHg with chest pain, which the nurse asks about as she does beside
#: every severe pressure (``acute_symptoms``): the rule ``hypertensive_emergency`` makes it an
#: emergency transfer with NEWS2 low, the acute-symptom path. SYNTHETIC like every demo patient.
HYPERTENSIVE_EVERY, HYPERTENSIVE_AT = 24, 14
HYPERTENSIVE: dict[str, Any] = {
    "vitals": {"sbp": 194, "dbp": 118, "heart_rate": 96, "spo2": 96, "resp_rate": 18, "temperature": 36.9},
    "acute_symptoms": ["chest_pain"],
}


@dataclass(frozen=True)
class DemoPatient:
    """A SYNTHETIC patient: what the devices send (``vitals`` by the monitor, ``labs`` by the
    analyzer, ``oximeter``), what the nurse observes and types (``typed``: consciousness, air or
    oxygen, height and weight, a laboratory slip's lipids and creatinine, a urine dipstick) and the
    history the nurse asks (``history``: smoking, known diabetes, blood-pressure medicine,
    established ASCVD, and the acute symptoms beside a severe pressure)."""

    mrn: str
    vitals: dict[str, float]
    labs: dict[str, float]
    oximeter: dict[str, float]
    sex: Literal["female", "male", "unknown"] = "unknown"
    age_years: int | None = None
    typed: dict[str, float | str] = field(default_factory=dict)
    history: dict[str, bool | list[str]] = field(default_factory=dict)


class _KeepOpen:
    """The simulator closes its link after each run; the demo's pty must outlive those runs."""

    def __init__(self, link: Any) -> None:
        self.link = link
        self.label = link.label

    async def read(self) -> bytes:
        data: bytes = await self.link.read()
        return data

    async def write(self, data: bytes) -> None:
        await self.link.write(data)

    async def close(self) -> None:
        return None


def demo_patient(index: int, rng: random.Random) -> DemoPatient:
    """Patient ``index``: mostly well; every fourth unwell with a fever and fast breathing (an
    urgent referral), one in twelve of them severely unwell - hypoxic, hypotensive, newly confused
    (an emergency transfer), or every other one of those (``HYPERTENSIVE``) at 194/118 mmHg with
    chest pain (a hypertensive emergency); every seventh hyperglycaemic with known diabetes; women and men in
    turn, aged 28 to 82 (as the nurse registers them, so the page shows who the patient is and the
    scores can use the age). The nurse records for everyone what a nurse observes by hand -
    consciousness (ACVPU) and air or oxygen, height and weight - and asks the history (established
    ASCVD of everyone but ``ASCVD_UNASKED_EVERY``'s patients, so their page asks it); two
    patients in three bring a laboratory slip (total and HDL cholesterol, creatinine) and give a
    urine sample, so the cardiovascular and kidney risk models can score. Beside a severe pressure
    (180 and/or 110 mmHg or more) the nurse asks about acute symptoms: chest pain for the
    hypertensive emergency, none for anyone else, so no severe pressure is left "not asked"."""
    mrn = f"DEMO-{index:04d}"
    vitals = {
        "sbp": round(rng.gauss(132, 14)),
        "dbp": round(rng.gauss(80, 8)),
        "heart_rate": round(rng.gauss(78, 9)),
        "spo2": round(min(100, rng.gauss(97, 1))),
        "resp_rate": round(rng.gauss(16, 2)),
        "temperature": round(rng.gauss(36.8, 0.3), 1),
    }
    labs = {"glucose_random": round(rng.gauss(6.2, 1.0), 1), "hba1c": round(rng.gauss(5.9, 0.5), 1)}
    typed: dict[str, float | str] = {
        "consciousness": "A",  # alert
        "supplemental_o2": "air",
        "height": round(rng.gauss(165, 8)),
        "weight": round(rng.gauss(66, 10)),
    }
    if index % HYPERTENSIVE_EVERY == HYPERTENSIVE_AT:
        vitals.update(HYPERTENSIVE["vitals"])
    elif index % 12 == 2:
        vitals.update(spo2=86, resp_rate=27, heart_rate=128, temperature=38.9, sbp=96)
        typed.update(consciousness="C")  # new confusion
    elif index % 6 == 2:
        vitals.update(spo2=95, resp_rate=23, heart_rate=104, temperature=38.4)
    # a diastolic below the systolic with a pulse pressure of at least 25 mmHg: the hypotensive
    # emergency's 96 with the usual diastolic draw would often be a swapped pair (triage.bp_pair),
    # which triage holds for review rather than scores (no random draw: the stream is unchanged)
    vitals["dbp"] = min(vitals["dbp"], vitals["sbp"] - 25)
    if index % 7 == 5:
        labs.update(glucose_random=24.5, hba1c=11.2)
    if index % 3 != 1:
        typed.update(
            total_cholesterol=round(rng.gauss(5.4, 0.9), 1),
            hdl_cholesterol=round(rng.gauss(1.3, 0.25), 1),
            creatinine=round(rng.gauss(80, 15)),
            urine_protein="neg" if index % 5 else "1+",
        )
    history: dict[str, bool | list[str]] = {
        "current_smoker": index % 3 == 0,
        "diabetes": index % 7 == 5,
        "on_antihypertensives": vitals["sbp"] >= 145 or index % 5 == 1,
        "known_ascvd": False,
    }
    sex: Literal["female", "male"] = "female" if index % 2 else "male"
    age = 28 + (index * 17) % 55
    if index % MODEL_REFERRED_EVERY == MODEL_REFERRED_AT:
        # after the draws, so the other patients' stream is unchanged
        sex, age, history = "male", 68, dict(MODEL_REFERRED["history"])
        vitals, labs = dict(MODEL_REFERRED["vitals"]), dict(MODEL_REFERRED["labs"])
        typed = {**typed, **MODEL_REFERRED["typed"]}
    if index % ASCVD_UNASKED_EVERY == ASCVD_UNASKED_AT:
        del history["known_ascvd"]
    if is_emergency_pressure(vitals["sbp"], vitals["dbp"], age):
        # beside a severe pressure the nurse asks about acute symptoms, as the patient page asks her
        hypertensive = index % HYPERTENSIVE_EVERY == HYPERTENSIVE_AT
        history["acute_symptoms"] = list(HYPERTENSIVE["acute_symptoms"]) if hypertensive else []
    oximeter = {"spo2": vitals["spo2"], "heart_rate": vitals["heart_rate"]}
    return DemoPatient(mrn, vitals, labs, oximeter, sex=sex, age_years=age, typed=typed, history=history)


def admit_with_oximeter(runtime: Any, patient: DemoPatient) -> int:
    """The demo simulating the nurse: register the patient, open the encounter, attach the
    oximeter to it (replacing any earlier association); returns the encounter id."""
    from referral.records import PatientIn
    from triage.service import associations

    clinic = _clinic(runtime)
    db = runtime.databases.get()
    clinic.register_patient(db, PatientIn(mrn=patient.mrn, sex=patient.sex), actor=DEMO_NURSE)
    encounter = clinic.open_encounter(db, patient.mrn, actor=DEMO_NURSE, age_years=patient.age_years)
    associations.attach(
        runtime,
        db,
        OXIMETER_ID,
        int(encounter["id"]),
        actor=DEMO_NURSE,
        replace=True,
        reason="demo: the simulated nurse attaches the oximeter to this SYNTHETIC patient",
    )
    return int(encounter["id"])


def record_by_hand(runtime: Any, encounter_id: int, patient: DemoPatient) -> list[int]:
    """The demo simulating the nurse on the patient's arrival: type what a nurse observes by hand
    (consciousness, air or oxygen, height, weight) and the laboratory slip's values, as "manual
    entry" readings of ``demo-nurse``, and the acute symptoms she asked (kept on the visit), before
    the devices measure - so every assessment of the visit has them, the one triage makes on the
    devices' results too (asked only later, a hypertensive emergency's referral was proposed as an
    urgent one); returns the observation ids."""
    from referral import encounter_context
    from triage.observation import Observation

    if "acute_symptoms" in patient.history:
        symptoms = {"acute_symptoms": patient.history["acute_symptoms"]}
        encounter_context.remember(runtime.databases.get(), encounter_id, symptoms, actor=DEMO_NURSE)
    now = datetime.now(UTC)
    readings = [
        Observation.create(code, value, None, observed_at=now, device="manual entry")
        for code, value in patient.typed.items()
    ]
    if not readings:
        return []
    return list(
        _clinic(runtime).add_observations(
            runtime.databases.get(),
            encounter_id,
            readings,
            actor=DEMO_NURSE,
            reason="demo: typed by the simulated nurse (SYNTHETIC patient)",
        )
    )


def assess_with_history(
    runtime: Any, encounter_id: int, patient: DemoPatient, *, wait_s: float = 10.0
) -> dict[str, Any] | None:
    """The demo simulating the nurse once the devices' results are in: "assess now" with the
    history the nurse asked (smoking, known diabetes, blood-pressure medicine, established ASCVD),
    which the risk models need. Waits up to ``wait_s`` for the devices' readings and their assessment; returns
    the assessment (``None`` if the readings did not arrive in time)."""
    import time

    db = runtime.databases.get()
    expected = len(patient.vitals) + len(patient.labs) + len(patient.oximeter)
    deadline, last = time.monotonic() + wait_s, None
    while time.monotonic() < deadline:
        (count,) = db.conn.execute(
            "SELECT count(*) FROM observations WHERE encounter_id = ? AND device != 'manual entry'",
            [encounter_id],
        ).fetchone()
        latest = db.conn.execute(
            "SELECT max(id) FROM assessments WHERE encounter_id = ?", [encounter_id]
        ).fetchone()[0]
        if count >= expected and latest is not None and latest == last:
            return _clinic(runtime).assess_encounter(
                db, encounter_id, actor=DEMO_NURSE, source="page", context=dict(patient.history)
            )
        last = latest if count >= expected else None
        time.sleep(0.2)
    return None


def _clinic(runtime: Any) -> Any:
    from triage.errors import DependencyMissingError
    from triage.service.clinic import Clinic

    clinic = runtime.extras.get("clinic")
    if not isinstance(clinic, Clinic):
        raise DependencyMissingError(f"the triage engine is not loaded: {runtime.readiness.reason}")
    return clinic


def close_finished_visits(runtime: Any, *, after_s: float = CLOSE_AFTER_S) -> dict[int, str]:
    """The demo simulating the nurse at the end of a visit: close each visit the demo opened
    whose latest assessment is at least ``after_s`` old and which needs nobody any more - its
    final decision (a clinician's override counts) is local care, or a clinician has sent one of
    its referrals - and none of its referrals waits for a clinician (proposed, declined). Returns
    the closed encounters with the reason each was closed for (``CLOSE_REASONS``, in the clinic's
    language: :func:`close_reason`)."""
    from referral import store
    from triage.service.closure import close_encounter

    db = runtime.databases.get()
    cutoff = datetime.now(UTC) - timedelta(seconds=after_s)
    candidates = db.conn.execute(
        "SELECT e.id, max(a.id) FROM encounters e JOIN assessments a ON a.encounter_id = e.id"
        " WHERE e.closed_at IS NULL AND e.created_by = ? GROUP BY e.id",
        [DEMO_NURSE],
    ).fetchall()
    closed: dict[int, str] = {}
    for encounter_id, assessment_id in candidates:
        assessment = store.get_assessment(db, int(assessment_id))
        if datetime.fromisoformat(str(assessment["created_at"])) > cutoff:
            continue  # just assessed: the trainee has time to open the patient
        statuses = {
            str(row[0])
            for row in db.conn.execute("SELECT status FROM referrals WHERE encounter_id = ?", [encounter_id])
        }
        if statuses & set(_WAITING):
            continue  # a clinician has to confirm, cancel or redirect the referral first
        if statuses & set(_LEFT_FOR_REFERRAL):
            why = "referred"
        elif store.final_disposition(db, assessment) == "local_care":
            why = "local_care"
        else:
            continue  # a referral decision nobody acted on yet, or too little data
        reason = close_reason(why, runtime.settings.service.default_language)
        close_encounter(runtime, db, int(encounter_id), actor=DEMO_NURSE, reason=reason)
        closed[int(encounter_id)] = why
    return closed


def prepare(
    settings: Settings, data_dir: Path | None, host: str, port: int
) -> tuple[Settings, dict[str, str]]:
    """A fresh demo folder: migrated database, facility directory, demo accounts. Returns passwords."""
    from referral import facilities
    from referral.clinic import CLINIC_KEY, set_setting
    from referral.schema import connect
    from referral.transactions import write
    from triage.service.accounts import Accounts
    from triage.service.database import Databases
    from triage.service.hosts import with_host_allowed

    folder = data_dir or Path(tempfile.mkdtemp(prefix="triage-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / DEMO_DATABASE
    if db_path.exists():
        from triage.errors import ConflictError

        raise ConflictError(
            f"{db_path} already exists; the demo starts from a fresh folder (omit --data-dir)"
        )
    # the configured clinic_id (settings file, TRIAGE_CLINIC_ID) when one is set, so demo clinics
    # with different ids export and pool; else the demo directory's ZJ-C01
    clinic = settings.clinic_id if "clinic_id" in settings.model_fields_set else DEMO_CLINIC
    demo = settings.model_copy(
        update={
            "data_dir": folder,
            "clinic_id": clinic,
            "database": settings.database.model_copy(update={"path": db_path}),
            "service": settings.service.model_copy(update={"host": host, "port": port}),
        }
    )
    # --host replaces service.host, the settings' name stays a name of the service (as for `serve`)
    demo = with_host_allowed(demo, settings.service.host)

    def load(db: Database) -> None:
        # as `serve`, a clinic_id the directory lacks is said (visits get no facility), not refused
        facilities.load_csv(db, FACILITIES_CSV, actor="triage-demo")
        set_setting(db, CLINIC_KEY, clinic, actor="triage-demo", reason="the demo's clinic_id")

    db = connect(db_path)
    write(db, load)
    db.close()
    databases = Databases(db_path, demo.database.busy_timeout_ms)
    accounts = Accounts(databases)
    passwords = {}
    for username, role in DEMO_USERS:
        passwords[username] = generate_password()
        accounts.create(
            username, passwords[username], role, demo.service.default_language, actor="triage-demo"
        )
    databases.close_all()
    return demo, passwords


class DemoDevices:
    """Three pty pairs, the gateway endpoints that read their slave ends, and the simulators."""

    def __init__(self) -> None:
        from devices.link_drivers import endpoint_from_profile
        from devices.session import MonotonicClock
        from devices.simulated_results import simulator_profile
        from devices.transports.pty import open_pty

        clock = MonotonicClock()
        self.links: dict[str, Any] = {}
        self.endpoints: list[Any] = []
        for kind, device_id in DEVICES:
            link = open_pty()
            self.links[kind] = link
            profile = simulator_profile(kind, device_id, serial={"port": link.slave_path})  # type: ignore[arg-type]
            self.endpoints.append(endpoint_from_profile(profile, clock=clock))

    async def measure(self, patient: DemoPatient, index: int) -> None:
        """Send one patient's readings from all three devices at once."""
        from devices.simulated_results import ZONE, sample_from_values
        from devices.simulator import SimulatedDevice

        now = datetime.now(ZONE).replace(microsecond=0)
        plan = (
            ("hl7-monitor", patient.mrn, patient.vitals),
            ("astm-analyzer", patient.mrn, patient.labs),
            ("pulse-oximeter", "", patient.oximeter),
        )
        runs = []
        for kind, patient_id, values in plan:
            sample = sample_from_values(kind, patient_id, f"S{index:05d}-{kind[:3]}", values, observed_at=now)  # type: ignore[arg-type]
            link = _KeepOpen(self.links[kind])

            async def connect(link: _KeepOpen = link) -> Any:
                return link

            runs.append(SimulatedDevice(kind, connect, [sample]).run())  # type: ignore[arg-type]
        await asyncio.gather(*runs)

    async def close(self) -> None:
        for link in self.links.values():
            with contextlib.suppress(OSError):
                await link.close()


async def run_demo(
    settings: Settings,
    *,
    seconds: float | None,
    interval_s: float,
    echo: Callable[[str], None],
    seed: int = 7,
    close_after_s: float = CLOSE_AFTER_S,
    listener: socket.socket | None = None,
) -> int:
    """Run the demo until Ctrl-C or ``seconds``; returns how many patients were measured.
    ``listener``: the socket `triage demo` bound (``--port 0`` too), else uvicorn binds its own."""
    from triage.service.acceptor import listener_url
    from triage.service.app import create_app
    from triage.service.server import ClinicServer

    devices = DemoDevices()
    app = create_app(settings, device_endpoints=devices.endpoints, synthetic=True)
    server = ClinicServer(app, settings.service.host, settings.service.port)
    serving = asyncio.create_task(server.serve(None if listener is None else [listener]), name="uvicorn")
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if serving.done():
        await devices.close()
        serving.result()
        return 0
    # the one `serve` prints: an IPv6 address in brackets (http://::1:8000/ is no URL)
    url = (
        f"http://{settings.service.host}:{settings.service.port}/"
        if listener is None
        else listener_url(listener)
    )
    echo(f"clinic service: {url}  (API docs: /docs)")
    # on every address (`make run HOST=0.0.0.0`) the URL is where it listens, not one a browser opens
    port = settings.service.port
    here = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(settings.service.host)
    where = url if here is None else f"http://{here}:{port}/"
    elsewhere = (
        "" if here is None else f" (from another computer: this computer's network address, port {port})"
    )
    echo(  # what a first-day user does next (`make run` printed a URL and passwords, and no word of them)
        f"next: open {where} in a browser{elsewhere} and sign in with an account above - nurse (the queue, patients,"
        " readings), doctor (a clinician: referrals and decisions too) or admin (staff accounts and"
        " tokens too); Ctrl-C stops the demo"
    )
    echo(
        f"the demo plays the nurse ({DEMO_NURSE}): before each patient is measured it attaches the"
        f" pulse oximeter ({OXIMETER_ID}, which sends no patient id) to that patient's encounter and"
        " types what a nurse observes by hand (consciousness, air or oxygen, height, weight, a lab"
        " slip); once the devices' results are in it assesses with the history it asked;"
        f" {close_after_s:g} s after an assessment it closes the visit if the patient can go home"
        " (local care) or a clinician has sent the referral - visits waiting for a clinician stay open"
    )
    echo(
        f"SYNTHETIC patients DEMO-{MODEL_REFERRED_AT:04d}, DEMO-{MODEL_REFERRED_AT + MODEL_REFERRED_EVERY:04d}"
        " and every tenth after: a routine referral decided by the risk models (cvd10, stroke10) where"
        " every rule says local care; the others are routed by the published scores and rules"
    )
    echo(
        f"SYNTHETIC patients DEMO-{HYPERTENSIVE_AT:04d}, DEMO-{HYPERTENSIVE_AT + HYPERTENSIVE_EVERY:04d}"
        " and every 24th after: a hypertensive emergency (194/118 mmHg with chest pain the nurse"
        " recorded), an emergency transfer with NEWS2 low"
    )
    measured = 0

    async def stream() -> None:
        nonlocal measured
        rng = random.Random(seed)
        while True:
            measured += 1
            patient = demo_patient(measured, rng)
            await asyncio.to_thread(close_finished_visits, app.state.runtime, after_s=close_after_s)
            encounter_id = await asyncio.to_thread(admit_with_oximeter, app.state.runtime, patient)
            await asyncio.to_thread(record_by_hand, app.state.runtime, encounter_id, patient)
            await devices.measure(patient, measured)
            await asyncio.to_thread(assess_with_history, app.state.runtime, encounter_id, patient)
            await asyncio.sleep(interval_s)

    patients = asyncio.create_task(stream(), name="demo-patients")
    if seconds is not None:

        async def stop_later() -> None:
            await asyncio.sleep(seconds)
            server.stop()

        stopper = asyncio.create_task(stop_later())
    try:
        await serving
    finally:
        patients.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await patients
        if seconds is not None:
            stopper.cancel()
        await devices.close()
    return measured
