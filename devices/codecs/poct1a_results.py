"""POCT1-A2 observations -> :class:`~devices.results.DeviceResult`.

An ``OBS.R01`` (patient observations) or ``OBS.R02`` (non-patient: liquid QC, calibration)
holds one or more ``SVC`` (service) elements; each has ``SVC.role_cd``, ``SVC.observation_dttm``,
``SVC.reason_cd`` (NEW, or RES for a resend), an operator (``OPR/OPR.operator_id``), maybe an
order (``ORD/ORD.order_id``), and observations: ``PT/OBS`` for a patient, ``CTC/OBS`` or
``OBS`` for control material. Observations repeat. Each ``OBS`` has ``OBS.observation_id``
(the vendor code; ``SN`` names its code system), ``OBS.value`` (``V`` and unit ``U``) or
``OBS.qualitative_value``, ``OBS.method_cd`` (M measured, C calculated), an interpretation
(``OBS.interpretation_cd`` or ``OBS.normal_flag``: N, L, H, LL, HH...), ``OBS.normal_lo-hi_limit``
and ``OBS.status_cd``.

* ``OBS.R02``, and any ``SVC`` whose role is not ``OBS`` (LQC, CAL, ...), is QC: stored, never fed
  to triage.
* A result without ``OBS.status_cd`` is final (meters report finished measurements);
  ``F`` final, ``C`` corrected, ``P`` preliminary, ``X``/``D`` cannot be done; any other code is
  kept as preliminary, so it is held for a person.
* The result time is ``SVC.observation_dttm`` (an ``OBS.observation_dttm`` wins); without an
  offset it is in the profile's zone. A RES resend carries the same time, so the gateway's
  exactly-once key (device, sample, test, result time) stores it once. The sample id is
  ``ORD.order_id``, else ``PT <patient id>`` (QC: ``CTC <lot>``): see :func:`sample_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.codecs.poct1a import (
    OBSERVATION_TYPES,
    Element,
    Poct1aError,
    Poct1aMessage,
    parse_message,
    parse_time,
)
from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, ResultStatus, message_id
from devices.tolerance import ToleranceCounter

_STATUS: dict[str, ResultStatus] = {
    "F": "final",
    "C": "corrected",
    "P": "preliminary",
    "X": "cannot_be_done",
    "D": "cannot_be_done",
}


@dataclass(frozen=True, slots=True)
class Poct1aObservation:
    """One ``OBS`` element with the context of its ``SVC`` and ``PT``, values as sent."""

    observation_id: str
    code_system: str | None
    value: str
    unit: str | None
    method: str | None
    interpretation: tuple[str, ...]
    normal_range: str | None
    status: str | None
    observed_at: str | None
    patient_id: str | None
    operator_id: str | None
    order_id: str | None
    control_material: str | None  # CTC lot number (or name) of a QC observation
    reason: str | None  # NEW or RES
    role: str | None  # OBS (patient), LQC, CAL, ...
    qc: bool
    offset: int  # byte offset of the OBS element in the message


def _observation(
    obs: Element,
    svc: Element,
    patient_id: str | None,
    operator_id: str | None,
    qc: bool,
    control: Element | None = None,
) -> Poct1aObservation:
    quantity = obs.child("OBS.value")
    value = obs.value("OBS.value")
    if value is None:
        value = obs.value("OBS.qualitative_value") or ""
    interpretation = tuple(
        flag for tag in ("OBS.interpretation_cd", "OBS.normal_flag") if (flag := obs.value(tag))
    )
    order = svc.child("ORD")
    return Poct1aObservation(
        observation_id=obs.value("OBS.observation_id") or "",
        code_system=obs.value("OBS.observation_id", "SN"),
        value=value,
        unit=(quantity.attrs.get("U") or "").strip() or None if quantity is not None else None,
        method=obs.value("OBS.method_cd"),
        interpretation=interpretation,
        normal_range=obs.value("OBS.normal_lo-hi_limit"),
        status=obs.value("OBS.status_cd"),
        observed_at=obs.value("OBS.observation_dttm") or svc.value("SVC.observation_dttm"),
        patient_id=patient_id,
        operator_id=operator_id,
        order_id=order.value("ORD.order_id") if order is not None else None,
        control_material=(control.value("CTC.lot_number") or control.value("CTC.name"))
        if control is not None
        else None,
        reason=svc.value("SVC.reason_cd"),
        role=svc.value("SVC.role_cd"),
        qc=qc,
        offset=obs.offset,
    )


def observations(message: Poct1aMessage) -> list[Poct1aObservation]:
    """Every observation of an ``OBS.R01``/``OBS.R02`` in document order; [] for other messages."""
    if message.message_type not in OBSERVATION_TYPES:
        return []
    found: list[Poct1aObservation] = []
    for svc in message.root.all("SVC"):
        role = (svc.value("SVC.role_cd") or "OBS").upper()
        qc = message.message_type == "OBS.R02" or role != "OBS"
        opr = svc.child("OPR")
        operator = opr.value("OPR.operator_id") if opr is not None else None
        for pt in svc.all("PT"):
            pt_opr = pt.child("OPR")
            pt_operator = pt_opr.value("OPR.operator_id") if pt_opr is not None else None
            for obs in pt.all("OBS"):
                found.append(
                    _observation(obs, svc, pt.value("PT.patient_id") or None, pt_operator or operator, qc)
                )
        for obs in svc.all("OBS"):
            found.append(_observation(obs, svc, None, operator, True))
        for ctc in svc.all("CTC"):
            for obs in ctc.all("OBS"):
                found.append(_observation(obs, svc, None, operator, True, ctc))
    found.sort(key=lambda o: o.offset)
    return found


def sample_id(obs: Poct1aObservation) -> str | None:
    """The order id; without one ``PT <patient id>`` (QC: ``CTC <lot>``), so that two
    patients measured in the same second through one profile (several meters behind one dock)
    never share the exactly-once key (device, sample, test, time) and lose a result."""
    if obs.order_id:
        return obs.order_id
    if obs.patient_id:
        return f"PT {obs.patient_id}"
    if obs.control_material:
        return f"CTC {obs.control_material}"
    return None


def _status(code: str | None) -> ResultStatus:
    if not code:
        return "final"
    return _STATUS.get(code.strip().upper(), "preliminary")


def decode_message(
    profile: DeviceProfile,
    raw: bytes,
    *,
    counter: ToleranceCounter | None = None,
    base_offset: int = 0,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """One POCT1-A2 message -> results (one per ``OBS``) and quarantined items. Messages other
    than observations give nothing; a message that does not parse is quarantined whole."""
    counter = counter or ToleranceCounter()
    device = profile.device_id
    try:
        message = parse_message(raw)
    except Poct1aError as exc:
        return [], [Quarantine("unparseable_message", raw, base_offset + exc.offset, device, str(exc))]
    mid = message_id(raw)
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    for obs in observations(message):
        where = base_offset + obs.offset
        if not obs.observation_id:
            detail = f"{message.message_type} {message.control_id}: OBS without OBS.observation_id"
            problems.append(Quarantine("unparseable_message", raw, where, device, detail))
            continue
        observed_at: datetime | None = None
        try:
            observed_at = parse_time(obs.observed_at)
        except ValueError as exc:
            problems.append(Quarantine("bad_timestamp", raw, where, device, str(exc)))
        if observed_at is not None and observed_at.tzinfo is None:
            observed_at = observed_at.replace(tzinfo=profile.zone)
        notes = (
            ("operator", obs.operator_id),
            ("method", obs.method),
            ("reason", obs.reason),
            ("role", obs.role),
            ("code system", obs.code_system),
            ("device status", obs.status),
            ("control id", message.control_id),
        )
        fields = Fields(
            protocol="poct1a",
            message_id=mid,
            sample_id=sample_id(obs),
            patient_id=obs.patient_id,
            vendor_code=obs.observation_id,
            raw_value=obs.value,
            device_unit=obs.unit,
            status=_status(obs.status),
            qc=obs.qc,
            flags=obs.interpretation,
            observed_at=observed_at,
            reference_range=obs.normal_range,
            byte_offset=where,
            comments=tuple(f"{name} {value}" for name, value in notes if value),
        )
        result, problem = build_result(fields, profile, counter, raw)
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems
