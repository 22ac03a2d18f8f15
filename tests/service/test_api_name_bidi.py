"""A patient's name holding a bidirectional embedding, override or isolate control (U+202A-U+202E,
U+2066-U+2069) is refused, naming the character and where, as a control character is: one was
stored through the API, and a right-to-left override in a name turned the record number and the
visit shown after it backwards on the staff pages (a patient-identification risk). A name in Arabic
or Hebrew script, and the marks U+200E and U+200F, are stored as before; a facility's name is held
to the same. A name stored with one before (an older release) is still served, and every staff page
shows it isolated (``<bdi>``; in a title or a list's option between U+2068 and U+2069), so the text
after it keeps its order. Real uvicorn on a real SQLite file; SYNTHETIC patients."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import httpx

from tests.service.conftest import (
    HTTP_TIMEOUT_S,
    PASSWORD,
    Staff,
    copy_seeded,
    live_server,
    make_settings,
)
from triage.service import create_app
from triage.service.auth import Role

#: the embeddings and overrides LRE, RLE, PDF, LRO, RLO and the isolates LRI, RLI, FSI, PDI
CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
CALM = [{"code": "spo2", "value": 98, "unit": "%"}, {"code": "heart_rate", "value": 72, "unit": "/min"}]


def _said(where: str, char: str, position: int) -> str:
    return (
        f"{where}: has a bidirectional control character (U+{ord(char):04X},"
        f" {unicodedata.name(char).lower()}) at character {position}, which reorders the text the"
        " pages show after the name; type the name without it (a name in Arabic or Hebrew script"
        " needs none)"
    )


def test_a_bidirectional_control_in_a_name_is_refused_naming_it_and_where(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=nurse, timeout=HTTP_TIMEOUT_S) as c,
    ):
        for char in CONTROLS:
            refused = c.post("/api/v1/patients", json={"mrn": "B-1", "name": f"Wang{char}Li"})
            assert refused.status_code == 422, refused.text
            assert refused.json()["fields"] == ["name"], refused.json()
            assert refused.json()["error"] == _said("name", char, 5), refused.json()
            assert f"Wang{char}Li" not in refused.text, "a name is never repeated (patient data)"
        walk_in = c.post(
            "/api/v1/assessments",
            json={"patient": {"mrn": "B-2", "name": "\u202eWang Li"}, "observations": CALM},
        )
        assert walk_in.status_code == 422, walk_in.text
        assert walk_in.json()["fields"] == ["patient.name"], walk_in.json()
        assert walk_in.json()["error"] == _said("patient.name", "\u202e", 1), walk_in.json()
        assert c.get("/api/v1/patients").json()["total"] == 0, "nothing was stored"

        # Arabic and Hebrew names, and the marks (no state), are names as before
        for mrn, name in (("B-3", "محمد علي"), ("B-4", "דוד כהן"), ("B-5", "Li\u200fWei\u200e")):
            stored = c.post("/api/v1/patients", json={"mrn": mrn, "name": name})
            assert stored.status_code == 201 and stored.json()["name"] == name, stored.text

        patient = c.get("/api/v1/patients", params={"mrn": "B-3"}).json()["data"][0]
        corrected = c.post(
            f"/api/v1/patients/{patient['id']}/corrections",
            json={"name": "محمد\u2067علي", "reason": "misspelt"},
        )
        assert corrected.status_code == 422, corrected.text
        assert corrected.json()["fields"] == ["name"], corrected.json()
        assert corrected.json()["error"] == _said("name", "\u2067", 5), corrected.json()

        facility = {"id": "H-RLO", "name": "City\u202e Hospital", "tier": "secondary", "region_code": "R"}
        facility |= {"lon": 116.4, "lat": 39.9, "beds": 10, "capacity": 10}
        put = c.put("/api/v1/facilities/H-RLO", json=facility, headers=admin)
        assert put.status_code == 422, put.text
        assert (
            "bidirectional control character (U+202E, right-to-left override) at character 5"
            in (put.json()["error"])
        ), put.json()


def _unisolated(html: str, name: str) -> str:
    """``html`` without each place ``name`` is shown isolated - in a ``<bdi>``, between U+2068 and
    U+2069 (a title, an option) - or is a form field's value (an input's own text)."""
    for shown in (f"<bdi>{name}</bdi>", f"\u2068{name}\u2069", f'value="{name}"'):
        html = html.replace(shown, "")
    return html


def test_a_name_stored_with_an_override_before_is_served_and_shown_isolated(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    app = create_app(make_settings(tmp_path))
    name = "Wang\u202eLi"
    with (
        live_server(app) as base,
        httpx.Client(base_url=base, headers=nurse, timeout=HTTP_TIMEOUT_S) as c,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S, follow_redirects=True) as page,
    ):
        made = c.post("/api/v1/assessments", json={"patient": {"mrn": "OLD-1"}, "observations": CALM})
        assert made.status_code == 201, made.text
        encounter = made.json()["encounter_id"]
        db = app.state.runtime.databases.get()
        with db.conn:  # as an older release stored it
            db.conn.execute("UPDATE patients SET name = ? WHERE mrn = 'OLD-1'", [name])
        patient = c.get("/api/v1/patients", params={"mrn": "OLD-1"}).json()["data"][0]
        assert patient["name"] == name
        assert c.get(f"/api/v1/patients/{patient['id']}").json()["name"] == name

        signed = page.post("/login", data={"username": Role.nurse.value, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        for path in ("/queue", f"/encounters/{encounter}", "/patients?mrn=OLD-1", "/patients?mrn=Wang"):
            shown = page.get(path)
            assert shown.status_code == 200, (path, shown.text[:2000])
            assert f"<bdi>{name}</bdi>" in shown.text, path
            assert name not in _unisolated(shown.text, name), f"{path}: the name shown not isolated"
        title = page.get(f"/encounters/{encounter}").text
        assert f"<title>\u2068{name}\u2069 · OLD-1" in title, title[:400]


def test_the_pages_forms_say_it_beside_the_name_and_store_nothing(staff: Staff) -> None:
    """The walk-in form and the patient page's correction form (which stored a tab or an override
    unchecked) say it beside the name's field, in the user's language; a correction of the sex
    that sends back a stored name holding one (an older log) is not refused for it."""
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/assessments", json={"patient": {"mrn": "F-1"}, "observations": CALM}, headers=nurse
    )
    assert made.status_code == 201, made.text
    csrf = staff.login(Role.nurse)
    walk_in = {"mrn": "F-2", "name": "Wang\u202eLi", "sex": "unknown", "age_years": "", "csrf_token": csrf}
    refused = staff.client.post("/walk-ins", data=walk_in, follow_redirects=False)
    assert refused.status_code == 422, refused.text[-2000:]
    error = re.search(r'id="walk-in-name-error">(.*?)</p>', html.unescape(refused.text), re.S)
    assert error is not None and "bidirectional control character (U+202E) at character 5" in error[1], (
        refused.text
    )
    assert staff.client.get("/api/v1/patients", params={"mrn": "F-2"}, headers=nurse).json()["total"] == 0

    page = f"/encounters/{made.json()['encounter_id']}"
    fix = {"name": "Li\u2067Wei", "sex": "unknown", "birth_date": "", "reason": "typo", "csrf_token": csrf}
    refused = staff.client.post(f"{page}/patient-details", data=fix, follow_redirects=False)
    assert refused.status_code == 422, refused.text[-2000:]
    error = re.search(r'id="patient-name-error">(.*?)</p>', html.unescape(refused.text), re.S)
    assert error is not None and "(U+2067) at character 3" in error[1], refused.text[-3000:]

    db = staff.app.state.runtime.databases.get()
    with db.conn:  # as an older release stored it
        db.conn.execute("UPDATE patients SET name = 'Wang\u202eLi' WHERE mrn = 'F-1'")
    sexed = {**fix, "name": "Wang\u202eLi", "sex": "female"}
    done = staff.client.post(f"{page}/patient-details", data=sexed, follow_redirects=False)
    assert done.status_code == 303, done.text[-2000:]
    patient = staff.client.get("/api/v1/patients", params={"mrn": "F-1"}, headers=nurse).json()["data"][0]
    assert (patient["name"], patient["sex"]) == ("Wang\u202eLi", "female")
