"""``trusted`` builds a pydantic record the way ``model_construct`` does: every field set, a fields
set of its own per instance (pydantic's copies update theirs), no extras, no private state."""

from __future__ import annotations

from triage.assessment import Disposition, Reason
from triage.scores.result import ScoreResult
from triage.trusted import trusted, trusted_builder


def test_fields_set_is_every_field_and_not_shared_between_instances() -> None:
    a = ScoreResult.of(name="a", value=1, band="low", complete=True)
    b = ScoreResult.of(name="b", value=None, band=None, complete=False, missing=("sbp",))
    assert a.model_fields_set == set(ScoreResult.model_fields) == b.model_fields_set
    assert a.model_fields_set is not b.model_fields_set
    constructed = ScoreResult.model_construct(**a.__dict__)
    assert a == constructed and a.model_fields_set == constructed.model_fields_set
    assert a.__pydantic_extra__ is None and a.__pydantic_private__ is None


def test_copies_with_updates_leave_the_original_and_other_instances_alone() -> None:
    r = Reason.of(rule="x", level=Disposition.urgent_referral)
    other = Reason.of(rule="y", level=Disposition.local_care)
    copied = r.model_copy(update={"detail": "changed"})
    assert copied.detail == "changed" and r.detail == ""
    assert r.model_fields_set == set(Reason.model_fields) == other.model_fields_set


def test_a_partial_field_mapping_records_only_the_fields_given() -> None:
    fields = dict(ScoreResult.of(name="a", value=1, band="low", complete=True).__dict__)
    del fields["reference"]
    partial = trusted(ScoreResult, fields)
    assert partial.model_fields_set == set(ScoreResult.model_fields) - {"reference"}


def test_records_built_by_the_class_builder_equal_trusted_ones() -> None:
    fields = dict(ScoreResult.of(name="a", value=1, band="low", complete=True, flags=("x",)).__dict__)
    built = trusted_builder(ScoreResult)(dict(fields))
    twin = trusted(ScoreResult, dict(fields))
    assert built == twin and built.model_fields_set == twin.model_fields_set == set(ScoreResult.model_fields)
    assert built.model_fields_set is not trusted_builder(ScoreResult)(dict(fields)).model_fields_set
    assert built.__pydantic_extra__ is None and built.__pydantic_private__ is None
