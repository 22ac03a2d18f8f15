"""The runtime dependencies in pyproject.toml are the ones the product imports.

A distribution the product never imports still lands on every clinic's edge box with
`pip install clinic-triage`; one it imports but does not declare breaks a fresh install. Test,
training and benchmark tools belong in the extras.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("triage", "devices", "referral", "analytics")

# Loaded by another dependency by name rather than imported by the product's code.
PLUGINS = {
    "httptools": "uvicorn's C HTTP parser, picked by http='auto'",
    "uvloop": "uvicorn's event loop, picked by loop='auto'",
    "python-multipart": "starlette's form parser for the staff pages",
    "jinja2": "starlette's Jinja2Templates for the staff pages",
    "pyarrow": "pandas' and DuckDB's Parquet engine for the exports",
}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_name(requirement) for requirement in project["dependencies"]}


def _imported_distributions() -> set[str]:
    modules: set[str] = set()
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.partition(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules.add(node.module.partition(".")[0])
    owners = packages_distributions()
    return {_name(dist) for module in modules for dist in owners.get(module, [])}


def test_every_runtime_dependency_is_imported_by_the_product() -> None:
    unused = _declared() - _imported_distributions() - set(PLUGINS)
    assert unused == set(), f"declared in [project] dependencies but never imported: {sorted(unused)}"


def test_the_plugin_list_names_declared_dependencies_only() -> None:
    assert set(PLUGINS) <= _declared()
