"""docs/assessment.schema.json is generated from the pydantic model and must be up to date."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_every_examples_real_output_validates_against_the_committed_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What `triage assess` prints for each file in examples/ (with the shipped models, as a user
    runs it) is valid against docs/assessment.schema.json, the contract integrators code against."""
    import jsonschema_rs

    from triage.cli import main

    validator = jsonschema_rs.validator_for(
        json.loads((ROOT / "docs" / "assessment.schema.json").read_text(encoding="utf-8"))
    )
    examples = sorted((ROOT / "examples").glob("*.json"))
    assert len(examples) >= 6
    outputs = []
    for path in examples:
        assert main(["assess", str(path)]) == 0
        out, err = capsys.readouterr()
        assert not err, err  # the models loaded: their results are part of what is checked
        outputs.append(json.loads(out))
    assert main(["assess", *map(str, examples)]) == 0
    several = json.loads(capsys.readouterr().out)
    assert [item["assessment"] for item in several] == outputs
    for path, output in zip(examples, outputs, strict=True):
        problems = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(output)]
        assert not problems, f"{path.name}: {problems}"
    assert any(m["probability"] is not None for output in outputs for m in output["models"])
    # the check can fail: an output the schema does not describe is refused
    assert not validator.is_valid({**outputs[0], "disposition": "home"})
    assert not validator.is_valid({k: v for k, v in outputs[0].items() if k != "reasons"})


def test_the_schema_says_what_a_model_probability_is_worth() -> None:
    """Integrators read the schema, not the cards: `probability` was 'Predicted probability; null
    when the model could not score', with nothing about the teaching data behind it."""
    from triage.phrases import TEACHING_DATA

    description = json_schema()["$defs"]["ModelResult"]["properties"]["probability"]["description"]
    assert TEACHING_DATA.template in description
