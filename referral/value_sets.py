"""The values the referral log allows in its coded columns: dispositions, facility tiers, referral
statuses and urgencies, staff roles, page languages, sexes, observation statuses.

The migrations (``referral.migrations``) write them into the tables' CHECK constraints; readers
of the log elsewhere (the pooled reports' schema, the CLI) take them from here. No framework
imports: a plain vocabulary.
"""

from __future__ import annotations

DISPOSITIONS = (
    "emergency_transfer",
    "urgent_referral",
    "routine_referral",
    "local_care",
    "insufficient_data",
)
TIERS = ("primary", "secondary", "tertiary")
REFERRAL_STATUSES = ("proposed", "sent", "accepted", "arrived", "completed", "declined", "cancelled")
URGENCIES = ("emergency", "urgent", "routine")
ROLES = ("clinician", "nurse", "integrator", "analyst", "admin")
LANGUAGES = ("en", "zh")
SEXES = ("female", "male", "unknown")
OBSERVATION_STATUSES = ("final", "preliminary", "corrected", "cancelled", "entered_in_error")
#: Device result statuses that may feed a decision (HL7 OBX-11 / ASTM R.9 ``F``, ``C`` and their
#: spelled-out forms); anything else (preliminary, cannot_be_done...) may be replaced later by a
#: final result with the same key.
FINAL_STATUSES = frozenset({"final", "corrected", "F", "C"})
#: Device result statuses that correct a result already sent.
CORRECTION_STATUSES = frozenset({"corrected", "C"})
#: The device result status that withdraws a result already sent (HL7 OBX-11 ``W``, "post original
#: as wrong, e.g. transmitted for wrong patient"): never feeds a decision.
WITHDRAWN = "withdrawn"
#: The flag of a final result that only changes the status of the stored one with its key (HL7 OBX-11
#: ``U``): without a value of its own it keeps the stored value (``referral.inbox``).
STATUS_CHANGE_FLAG = "status_change_to_final"
#: The flag of a stored result such a ``U`` named another unit for (``referral.device_results.
#: unit_contradicted``): the value is kept as sent, not made final, and held for a person.
STATUS_CHANGE_UNIT_CONFLICT = "status_change_unit_conflict"
#: The label of every risk model's probability: every risk model is trained on a teaching data set.
#: Written here only, in the bottom layer every package may import: the model cards'
#: ``models.card.TEACHING_LABEL``, the engine's ``triage.phrases.TEACHING_DATA``, the Assessment
#: schema's description of a probability, the analytics export's ``risk_<model>`` columns and the
#: pooled report's policy replay take it from here (tests/models/test_teaching_label_one_source.py).
RISK_MODELS_LABEL = (
    "teaching data - not for clinical use - not validated on a Chinese primary-care population"
)
#: Established (clinical) atherosclerotic cardiovascular disease, the patient record's
#: ``known_ascvd`` (``triage.patient``), in words. Written here, in the bottom layer every package
#: may import, so that the patient record, the engine's reasons and the model cards' CARD.md
#: (``models.card_markdown``: the models' cards sit below the engine) say the same words.
KNOWN_ASCVD_MEANS = (
    "a prior myocardial infarction or acute coronary syndrome, stable or unstable angina, coronary or"
    " other arterial revascularisation, stroke or TIA, or peripheral artery disease (aortic aneurysm"
    " included), of atherosclerotic origin"
)
"""Clinical ASCVD as the 2018 AHA/ACC cholesterol guideline defines it (Grundy SM et al. Circulation
2019;139:e1082-e1143): such a patient is in secondary prevention, at very high risk
without any estimate (ESC 2021 prevention guideline, Visseren FLJ et al. Eur Heart J 2021;42:3227,
documented ASCVD is very high risk; 中国心血管病风险评估和管理指南 2019 assesses the 10-year risk
for primary prevention, in people without CVD). The 10-year equations (China-PAR, the Pooled Cohort
Equations: "for adults without clinical ASCVD", Goff DC Jr et al. 2013) and the models trained on
people without prior CHD or stroke (cvd10, stroke10) are not applied: a calculated risk would
understate hers and falsely reassure."""
