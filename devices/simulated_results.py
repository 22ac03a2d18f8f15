"""SYNTHETIC results for simulated devices: realistic values from a seeded RNG, instrument-side messages.

Everything produced here is teaching/test data and is labelled so: patient ids start with ``SIM-``,
names are ``SYNTHETIC^PATIENT``, the ASTM header and HL7 MSH name the sender ``SIMULATOR``, and
the matching profiles set ``synthetic_samples = true``.

Three simulated device kinds, each with the profile the gateway needs to read it:

* ``astm-analyzer``: ASTM E1394 records (glucose, HbA1c, WBC, haemoglobin, platelets);
* ``hl7-monitor``: HL7 v2.3.1 ORU^R01 vital signs (BP, heart rate, SpO2, respiratory rate, temperature);
* ``pulse-oximeter``: Nonin-style ASCII lines ``SPO2=097 HR=072``;
* ``poct1a-meter``: a POCT1-A2 glucose/HbA1c meter dock (``devices.simulated_poct1a``).

Callers choose the patients and values (``sample_from_values``) or let ``generate_samples`` draw them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from devices.profile import DeviceProfile, profile_from_dict

DeviceKind = Literal["astm-analyzer", "hl7-monitor", "pulse-oximeter", "poct1a-meter"]
DEVICE_KINDS: tuple[DeviceKind, ...] = ("astm-analyzer", "hl7-monitor", "pulse-oximeter", "poct1a-meter")
#: The protocol each simulated kind speaks.
KIND_PROTOCOL: dict[DeviceKind, str] = {
    "astm-analyzer": "astm",
    "hl7-monitor": "hl7",
    "pulse-oximeter": "line",
    "poct1a-meter": "poct1a",
}
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Analyte:
    vendor_code: str
    code: str  # triage vocabulary code
    unit: str  # unit text the device sends (and the UCUM unit of the mapping)
    mean: float
    sd: float
    low: float
    high: float
    decimals: int


ANALYTES: dict[DeviceKind, tuple[Analyte, ...]] = {
    "astm-analyzer": (
        Analyte("GLU", "glucose_random", "mmol/L", 6.4, 2.2, 2.8, 30.0, 1),
        Analyte("HbA1c", "hba1c", "%", 6.1, 1.3, 4.0, 15.0, 1),
        Analyte("WBC", "wbc", "10*9/L", 7.2, 2.1, 1.5, 30.0, 1),
        Analyte("HGB", "hemoglobin", "g/L", 134.0, 16.0, 60.0, 190.0, 0),
        Analyte("PLT", "platelets", "10*9/L", 245.0, 65.0, 20.0, 700.0, 0),
    ),
    "hl7-monitor": (
        Analyte("SBP", "sbp", "mm[Hg]", 132.0, 19.0, 70.0, 230.0, 0),
        Analyte("DBP", "dbp", "mm[Hg]", 81.0, 11.0, 40.0, 130.0, 0),
        Analyte("HR", "heart_rate", "/min", 79.0, 13.0, 40.0, 170.0, 0),
        Analyte("SPO2", "spo2", "%", 97.0, 1.8, 80.0, 100.0, 0),
        Analyte("RR", "resp_rate", "/min", 16.0, 3.0, 8.0, 40.0, 0),
        Analyte("TEMP", "temperature", "Cel", 36.8, 0.5, 35.0, 41.0, 1),
    ),
    "pulse-oximeter": (
        Analyte("SPO2", "spo2", "%", 97.0, 1.8, 80.0, 100.0, 0),
        Analyte("HR", "heart_rate", "/min", 79.0, 13.0, 40.0, 170.0, 0),
    ),
    "poct1a-meter": (
        Analyte("Glu", "glucose_random", "mmol/L", 6.4, 2.2, 1.1, 33.3, 1),
        Analyte("HbA1c", "hba1c", "%", 6.1, 1.3, 4.0, 14.0, 1),
    ),
}


@dataclass(frozen=True, slots=True)
class SimulatedResult:
    vendor_code: str
    value: str
    unit: str


@dataclass(frozen=True, slots=True)
class SimulatedSample:
    """One specimen (analyzer) or one set of readings (monitor, oximeter) of one synthetic patient."""

    patient_id: str
    sample_id: str
    observed_at: datetime
    results: tuple[SimulatedResult, ...]
    qc: bool = False


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def sample_from_values(
    kind: DeviceKind,
    patient_id: str,
    sample_id: str,
    values: dict[str, float],
    *,
    observed_at: datetime | None = None,
    qc: bool = False,
) -> SimulatedSample:
    """A sample with caller-chosen values, keyed by vocabulary code (``{"spo2": 88, "heart_rate": 121}``).

    ``ValueError`` names a code this kind of device does not measure.
    """
    by_code = {a.code: a for a in ANALYTES[kind]}
    unknown = sorted(set(values) - set(by_code))
    if unknown:
        raise ValueError(f"a simulated {kind} does not measure {unknown}; it measures {sorted(by_code)}")
    results = tuple(
        SimulatedResult(by_code[code].vendor_code, _format(value, by_code[code].decimals), by_code[code].unit)
        for code, value in values.items()
    )
    when = observed_at or datetime.now(ZONE).replace(microsecond=0)
    return SimulatedSample(patient_id, sample_id, when, results, qc)


def generate_samples(
    kind: DeviceKind,
    rng: random.Random,
    count: int,
    *,
    start: datetime | None = None,
    id_prefix: str = "SIM",
    qc_rate: float = 0.0,
) -> list[SimulatedSample]:
    """``count`` synthetic samples with plausible values drawn from ``rng`` (same seed, same samples).

    Sample ids are unique within the run (``<prefix>-S000001``...), result times one minute apart,
    by default the last ``count`` minutes up to now: a simulated analyzer sends what it has just
    measured, and a gateway holds results timed far from their receipt (``devices.device_clock``).
    """
    now = datetime.now(ZONE).replace(second=0, microsecond=0)
    begin = (start or now - timedelta(minutes=count)).replace(microsecond=0)
    samples = []
    for index in range(count):
        results = []
        for analyte in ANALYTES[kind]:
            value = min(analyte.high, max(analyte.low, rng.gauss(analyte.mean, analyte.sd)))
            results.append(
                SimulatedResult(analyte.vendor_code, _format(value, analyte.decimals), analyte.unit)
            )
        samples.append(
            SimulatedSample(
                patient_id=f"{id_prefix}-P{rng.randrange(1, 10**6):06d}",
                sample_id=f"{id_prefix}-S{index + 1:06d}",
                observed_at=begin + timedelta(minutes=index),
                results=tuple(results),
                qc=rng.random() < qc_rate,
            )
        )
    return samples


def _astm_time(when: datetime) -> str:
    return when.astimezone(ZONE).strftime("%Y%m%d%H%M%S")


def astm_records(sample: SimulatedSample) -> list[bytes]:
    """E1394 records H, P, O, R..., L for one sample (delimiters ``|\\^&``; CR added by the framer)."""
    stamp = _astm_time(sample.observed_at)
    processing = "Q" if sample.qc else "P"
    tests = "\\".join(f"^^^{r.vendor_code}" for r in sample.results)
    records = [
        f"H|\\^&|||SIMULATOR^SYNTHETIC^1.0|||||||{processing}|1|{stamp}",
        f"P|1||{sample.patient_id}||SYNTHETIC^PATIENT",
        f"O|1|{sample.sample_id}|{sample.sample_id}|{tests}|R||||||N||||{'CTRL' if sample.qc else 'Blood'}",
    ]
    for seq, result in enumerate(sample.results, start=1):
        records.append(f"R|{seq}|^^^{result.vendor_code}|{result.value}|{result.unit}||N||F||||{stamp}")
    records.append("L|1|N")
    return [record.encode("latin-1") for record in records]


def hl7_message(sample: SimulatedSample, control_id: str) -> bytes:
    """An HL7 v2.3.1 ORU^R01 (segments end with CR; MLLP framing is added by the sender)."""
    stamp = _astm_time(sample.observed_at)
    kind = "2" if sample.qc else "0"  # Mindray MSH-16 result kind: 0 patient, 2 QC
    segments = [
        f"MSH|^~\\&|SIMULATOR|SYNTHETIC|TRIAGE|CLINIC|{stamp}||ORU^R01|{control_id}|P|2.3.1||||{kind}||ASCII",
        f"PID|1||{sample.patient_id}^^^^MR||SYNTHETIC^PATIENT",
        f"OBR|1|{sample.sample_id}|{sample.sample_id}|VITALS^Vital signs|||{stamp}",
    ]
    for seq, result in enumerate(sample.results, start=1):
        segments.append(
            f"OBX|{seq}|NM|{result.vendor_code}^{result.vendor_code}||{result.value}|{result.unit}|||||F|||{stamp}"
        )
    return ("\r".join(segments) + "\r").encode("ascii")


def oximeter_line(sample: SimulatedSample) -> bytes:
    """One Nonin-style reading line: ``SPO2=097 HR=072`` CR LF."""
    values = {r.vendor_code: r.value for r in sample.results}
    spo2 = int(float(values["SPO2"])) if "SPO2" in values else None
    heart = int(float(values["HR"])) if "HR" in values else None
    text = f"SPO2={'---' if spo2 is None else f'{spo2:03d}'} HR={'---' if heart is None else f'{heart:03d}'}"
    return text.encode("ascii") + b"\r\n"


def simulator_profile(kind: DeviceKind, device_id: str, **transport: Any) -> DeviceProfile:
    """The device profile that reads what a simulated ``kind`` sends (mapping table included).

    ``transport`` may carry ``serial={...}`` or ``tcp={...}`` tables as in a profile file.
    """
    protocol = KIND_PROTOCOL[kind]
    data: dict[str, Any] = {
        "device_id": device_id,
        "description": f"Simulated {kind} (SYNTHETIC data)",
        "vendor": "clinic-triage simulator",
        "model": kind,
        "protocol": protocol,
        "synthetic_samples": True,
        "encoding": {"astm": "latin-1", "poct1a": "utf-8"}.get(protocol, "ascii"),
        "mapping": {
            # Line devices send no unit text; the others must send exactly the mapped unit.
            a.vendor_code: {
                "code": a.code,
                "unit": a.unit,
                "device_units": [a.unit] if protocol != "line" else [],
            }
            for a in ANALYTES[kind]
        },
        **transport,
    }
    if protocol == "line":
        data["line_grammar"] = "nonin"
    if protocol == "hl7":
        data["tolerance"] = {"mindray_msh16_result_kind": True}  # MSH-16 = 2 marks QC messages
    return profile_from_dict(data, source=f"<simulator profile {kind}>")
