"""Errors that cross a process boundary (``triage serve --workers``, a process pool) keep what the
staff page needs: the class, the English message, the message key ``says`` and its ``params``,
and whatever a subclass adds - whether or not the subclass's ``__init__`` takes the message."""

from __future__ import annotations

import enum
import importlib
import pickle
import pkgutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

import pydantic
import pytest

from devices.codecs.poct1a import Poct1aError
from referral.errors import ClinicError, OpenReferralError, shown_input, validation_message
from triage.intake import IntakeRefused
from triage.service.writer import ForwardedError

PARAMS = {"referral_id": 7, "status": "arrived", "facility": "County Hospital"}


def _every_subclass(cls: type[ClinicError]) -> Iterator[type[ClinicError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _every_subclass(sub)


def _error_classes() -> list[type[ClinicError]]:
    """Every error of the project's tree (the modules that define them imported first)."""
    for package in ("referral", "devices", "analytics", "triage"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            importlib.import_module(module.name)
    return sorted({ClinicError, *_every_subclass(ClinicError)}, key=lambda c: f"{c.__module__}.{c.__name__}")


def _made(cls: type[ClinicError]) -> ClinicError:
    """One error of ``cls`` with a message key and params, whatever its constructor takes."""
    error = cls.__new__(cls, "english message naming what and where")
    ClinicError.__init__(error, "english message naming what and where", says="error.x", params=PARAMS)
    return error


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_error_survives_pickling_with_its_message_key_and_params(cls: type[ClinicError]) -> None:
    error = _made(cls)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (str(back), back.says, back.params) == (str(error), "error.x", PARAMS)
    assert (back.code, back.status_hint, back.exit_code) == (error.code, error.status_hint, error.exit_code)


def test_subclass_attributes_and_constructors_of_their_own_survive() -> None:
    cases: list[tuple[ClinicError, dict[str, object]]] = [
        (Poct1aError(12, "unclosed element"), {"offset": 12}),
        (IntakeRefused("qc", "device result is QC"), {"reason": "qc"}),
        (
            ForwardedError(
                "already open", 409, "open_referral_exists", says="error.open_referral", params=PARAMS
            ),
            {
                "status_hint": 409,
                "code": "open_referral_exists",
                "says": "error.open_referral",
                "params": PARAMS,
            },
        ),
    ]
    for error, attributes in cases:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.args == error.args
        assert {name: getattr(back, name) for name in attributes} == attributes


def _refuse(referral_id: int) -> None:
    raise OpenReferralError(
        f"encounter 3 already has an open referral #{referral_id}",
        says="error.open_referral",
        params={**PARAMS, "referral_id": referral_id},
    )


def _refuse_poct(offset: int) -> None:
    raise Poct1aError(offset, "unclosed element")


def test_an_error_raised_in_another_process_comes_back_whole() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(OpenReferralError, match="open referral #9") as caught:
            pool.submit(_refuse, 9).result(timeout=60)
        with pytest.raises(Poct1aError, match="byte 4: unclosed element") as poct:
            pool.submit(_refuse_poct, 4).result(timeout=60)
    assert caught.value.says == "error.open_referral"
    assert caught.value.params == {**PARAMS, "referral_id": 9}
    assert caught.value.code == "open_referral_exists" and poct.value.offset == 4


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, " (got true)"),
        (False, " (got false)"),
        (None, " (got null)"),
        ("58", ' (got "58")'),
        ("it's", ' (got "it\'s")'),
        ("张三", ' (got "张三")'),
        # invisible or terminal-driving characters as JSON escapes, never raw (repr escaped them)
        ("MRN\u200b7", ' (got "MRN\\u200b7")'),
        ("a\x7fb\x9bc", ' (got "a\\u007fb\\u009bc")'),
        ("\u202eabc\u2028", ' (got "\\u202eabc\\u2028")'),
        ("tab\tnul\x00", ' (got "tab\\tnul\\u0000")'),  # JSON's own escapes
        ("\U000e0001", ' (got "\\udb40\\udc01")'),  # a tag character: a UTF-16 pair
        (1.5, " (got 1.5)"),
        ({"a": 1}, ""),  # an object or a list: the message names the field inside it
        ("9" * 100, ' (got "' + "9" * 78 + "... (100 characters))"),
    ],
)
def test_a_bad_input_is_quoted_as_json_writes_it_not_as_python_does(value: object, shown: str) -> None:
    """API clients, JSON and TOML files and CSV cells say true, null and "58": the messages said
    Python's True, None and '58'."""
    assert shown_input(value) == shown


class _Tier(enum.Enum):
    PRIMARY = "primary"
    OWN = "clinic's own"


class _Choices(pydantic.BaseModel):
    tier: Literal["primary", "secondary", "it's", 1, True]
    kind: _Tier
    note: str


def test_the_allowed_values_are_quoted_as_json_writes_them_not_as_python_does() -> None:
    """Pydantic says Input should be 'primary', ... or True; a client reads "primary" and true."""
    with pytest.raises(pydantic.ValidationError) as caught:
        _Choices.model_validate({"tier": "quaternary", "kind": "x", "note": 5})
    messages = [validation_message(err) for err in caught.value.errors()]
    assert messages == [
        'Input should be "primary", "secondary", "it\'s", 1 or true',
        'Input should be "primary" or "clinic\'s own"',
        "Input should be a valid string",  # any other message as pydantic says it
    ]
