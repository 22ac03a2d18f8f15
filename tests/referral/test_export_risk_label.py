"""The de-identified analytics export labels its risk-model columns as teaching-data models.

Its ``risk_<model>`` columns are probabilities of models trained on teaching data (Framingham
teaching cohort, Pima, UCI CKD); every card, `triage models show`, the explanation staff read and
`triage assess` say so, but the export - the one place the probabilities leave the clinic - said
nothing, and not which model version scored them. Real SQLite log, real export folder."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from models.card import TEACHING_LABEL
from referral import analytics_export

from .conftest import visit


def test_the_manifest_labels_the_risk_columns_and_names_the_versions(db: Database, tmp_path: Path) -> None:
    visit(db, mrn="MRN-1")
    visit(
        db, mrn="MRN-2", risks={"cvd10": 0.3, "ckd": 0.6}, model_versions={"cvd10": "1.0.0", "ckd": "1.0.0"}
    )
    visit(db, mrn="MRN-3", risks={"cvd10": 0.1}, model_versions={"cvd10": "1.1.0"})
    manifest = analytics_export.export_analytics(db, tmp_path / "out", "csv")
    assert json.loads((tmp_path / "out" / "manifest.json").read_text()) == manifest
    assert manifest["risk_models"] == {
        "label": TEACHING_LABEL,
        "models": {
            "ckd": {"column": "risk_ckd", "versions": ["1.0.0"]},
            "cvd10": {"column": "risk_cvd10", "versions": ["1.0.0", "1.1.0"]},
        },
    }


def test_an_export_without_risks_has_no_risk_models_entry(db: Database, tmp_path: Path) -> None:
    visit(db, risks={}, model_versions={})
    manifest = analytics_export.export_analytics(db, tmp_path / "out", "csv")
    assert "risk_models" not in manifest
