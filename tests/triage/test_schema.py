"""docs/assessment.schema.json is generated from the pydantic model and must be up to date."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from triage.assessment import Assessment, json_schema, json_schema_text

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "assessment.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        "regenerate: python -m triage.assessment > docs/assessment.schema.json"
    )


def test_the_schema_does_not_depend_on_what_a_process_imported_first() -> None:
    # The service's and the referral log's models were imported first in the whole suite, and an
    # equal Literal with another order made the comparator enum come out in that order.
    program = (
        "import sys; import referral.records, triage.service.api.clinical; "
        "from triage.assessment import json_schema_text; sys.stdout.write(json_schema_text())"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout == (ROOT / "docs" / "assessment.schema.json").read_text(encoding="utf-8")


def test_schema_lists_every_field_and_docs_describe_them() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == set(Assessment.model_fields)
    doc = (ROOT / "docs" / "assessment.md").read_text(encoding="utf-8")
    for name in Assessment.model_fields:
        assert f"`{name}`" in doc, f"docs/assessment.md does not describe {name}"
    assert json.loads(json_schema_text())["$id"].endswith("assessment-v1.json")


def test_every_rule_is_documented() -> None:
    from triage.rules import RULES

    doc = (ROOT / "docs" / "assessment.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule.name}`" in doc, f"docs/assessment.md does not list rule {rule.name}"
