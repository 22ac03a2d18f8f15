"""A rule leaves its finding to another only when that one asks to see the patient as soon
(``triage.rule_checks.leaves_to``).

``leaves_to`` compared levels only. A clinic that set ``proteinuria_with_hypertension`` to local care
(it is no red flag) made ``proteinuria_2plus`` - local care too, "measure the ACR and creatinine now;
repeat the dipstick within 1 week", re-checked in a week - stay silent beside it for a man with a 2+
dipstick and 150/95 mmHg: one reason, "check ACR and creatinine; refer (non-emergency)", and a re-check
in 30 days (local care's) where the dipstick rule asks for a week. The level (and the tier, which
follows it) was the same, the re-check was not: what staff do changed. Now a rule leaves a finding to
another only when that one is on at its level or higher *and* its re-check (its own, else its level's)
is no later; a reader re-checked as soon still reads it alone, and under the built-in policy nothing
changes (its readers are all at least as soon: ``test_policy_never_silences_kidney``,
``test_pregnancy_proteinuria`` and the deference tests).

Every policy here is a real clinic TOML file loaded by ``load_policy``; every answer is ``assess()``'s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy, load_policy

READER = "proteinuria_with_hypertension"


def _policy(tmp_path: Path, reader: str) -> Policy:
    path = tmp_path / "clinic.toml"
    path.write_text(f'version = "clinic-test"\n[rules.{READER}]\n{reader}\n', encoding="utf-8")
    return load_policy(path)


def _assess(policy: Policy, protein: str, **patient: object) -> Assessment:
    context = PatientContext(**{"age": 50, "sex": "male", **patient})  # type: ignore[arg-type]
    return assess(context, [ob("sbp", 150), ob("dbp", 95), ob("urine_protein", protein)], policy, now=NOW)


@pytest.mark.parametrize(
    ("protein", "rule", "recheck"),
    [("2+", "proteinuria_2plus", 10080), ("1+", "proteinuria_1plus", 40320)],
)
@pytest.mark.parametrize(
    "patient", [{}, {"hypertension": True}], ids=["raised pressure", "known hypertension"]
)
def test_a_reader_at_the_same_level_but_re_checked_later_does_not_silence_the_dipstick(
    tmp_path: Path, protein: str, rule: str, recheck: int, patient: dict[str, object]
) -> None:
    a = _assess(_policy(tmp_path, 'level = "local_care"'), protein, **patient)
    fired = {r.rule: r for r in a.reasons}
    assert rule in fired and "deferred_to" not in fired[rule].values, sorted(fired)
    assert fired[rule].level is Disposition.local_care and READER in fired
    assert a.recheck_minutes <= recheck  # its week (4 weeks at 1+), not local care's 30 days


@pytest.mark.parametrize("protein", ["2+", "1+"])
def test_a_reader_at_the_same_level_re_checked_as_soon_still_reads_it_alone(
    tmp_path: Path, protein: str
) -> None:
    policy = _policy(tmp_path, 'level = "local_care"\nrecheck_minutes = 10080')
    a = _assess(policy, protein)
    assert [r.rule for r in a.reasons if "proteinuria" in r.rule] == [READER]
    assert a.recheck_minutes == 10080


@pytest.mark.parametrize("protein", ["2+", "1+"])
def test_under_the_built_in_policy_the_reader_reads_it_alone_as_before(policy: Policy, protein: str) -> None:
    a = _assess(policy, protein)
    assert [r.rule for r in a.reasons if "proteinuria" in r.rule] == [READER]
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes == 10080
