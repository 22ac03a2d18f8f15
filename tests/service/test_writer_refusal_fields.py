"""A walk-in the primary process refuses after a worker took it (``WalkIn.decode``: a worker
restarted on a package upgraded under the running service accepts what the primary's code does not)
is a 422 naming the request's field as the API's errors do - ``observations[1].status``,
``patient.sex`` - so the error's ``fields`` name it: it said ``walk-in from another service process:
malformed (status: ...)``, a path of the writer line's own header that no request has, and
``fields`` named nothing. What is not the request's - the engine's assessment record, a header
missing a part - is a 500 ``internal_error``: the client cannot change it (it was a 422 telling the
client its input was wrong). Never the value: patient data would reach the log. The walk-in
travels as on the real writer line (its JSON header and the engine's JSON text)."""

from __future__ import annotations

import json

import pytest

from referral.errors import ClinicError
from tests.service.test_writer import a_walk_in
from triage.errors import UserInputError
from triage.service.api.errors import error_body
from triage.service.walk_ins import WalkIn


def _refused(edit: dict[str, object]) -> ClinicError:
    header, payload = a_walk_in().encode()
    header = json.loads(json.dumps(header))  # as the line carries it
    for part, value in edit.items():
        header[part] = value
    with pytest.raises(ClinicError) as caught:
        WalkIn.decode(header, payload)
    assert "Zhang San" not in str(caught.value) and "M-1" not in str(caught.value), caught.value
    return caught.value


def _fields(error: ClinicError) -> object:
    return error_body(str(error), error.code, error.status_hint).get("fields")


def test_a_reading_the_primary_refuses_names_the_requests_field() -> None:
    header, _ = a_walk_in().encode()
    observations = json.loads(json.dumps(header["observations"]))
    observations[1]["status"] = "amended"  # a status a newer worker might take
    error = _refused({"observations": observations})
    assert isinstance(error, UserInputError) and error.status_hint == 422, error
    assert str(error).startswith("observations[1].status: Input should be "), error
    assert "restart it" in str(error), error
    assert _fields(error) == ["observations[1].status"]

    observations = json.loads(json.dumps(header["observations"]))
    observations[0] = {**observations[0], "value_num": None}  # the reading's own check: no value
    error = _refused({"observations": observations})
    assert str(error).startswith(
        'observations[0]: observation "spo2" has neither value_num nor value_text'
    ), error
    assert _fields(error) == ["observations[0]"]


def test_a_patient_the_primary_refuses_names_the_requests_field_never_the_value() -> None:
    header, _ = a_walk_in().encode()
    error = _refused({"patient": {**header["patient"], "sex": "Zhang San's secret"}})
    assert str(error).startswith('patient.sex: Input should be "female", "male" or "unknown"; '), error
    assert error.status_hint == 422, error
    assert _fields(error) == ["patient.sex"]
    error = _refused({"patient": {**header["patient"], "name": "Zhang\tSan"}})
    assert error.status_hint == 422 and str(error).startswith("patient.name: has a control character"), error
    assert _fields(error) == ["patient.name"]


def test_what_is_not_the_requests_is_an_internal_error() -> None:
    header, _ = a_walk_in().encode()
    record = {**header["record"], "disposition": "Zhang San's secret"}
    error = _refused({"record": record})
    assert (error.status_hint, error.code) == (500, "internal_error"), error
    assert str(error).startswith(
        "walk-in from another service process: malformed assessment (assessment.disposition: "
    ), error
    assert _fields(error) is None
    missing = _refused({"assumed": None})
    assert (missing.status_hint, missing.code) == (500, "internal_error"), missing
