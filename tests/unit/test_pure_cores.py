"""The pure cores reach no web, CLI, database or serial framework, not even through a module they
import: ``devices.hold`` once took ``FINAL_STATUSES`` and ``StoredDeviceResult`` from
``referral.inbox`` (which imports sqlite-utils), and ``triage.intake`` its key helpers from
``devices.link_drivers``; the contract checked direct imports only and let both through."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp

ROOT = Path(__file__).resolve().parents[2]
PURE = "pure cores never import delivery frameworks"


def _settings() -> tuple[dict[str, Any], dict[str, Any]]:
    linter = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in linter["contracts"] if c["name"] == PURE]
    return linter, contract


def test_the_pure_core_contract_follows_indirect_imports() -> None:
    _, contract = _settings()
    assert contract.get("allow_indirect_imports", False) is False
    assert {"devices.hold", "triage.intake", "referral.device_results"} <= set(contract["source_modules"])


def test_no_pure_core_reaches_a_framework_through_another_module() -> None:
    linter, contract = _settings()
    graph = grimp.build_graph(*linter["root_packages"], include_external_packages=True)
    forbidden = [m for m in contract["forbidden_modules"] if m in graph.modules]
    assert "sqlite_utils" in forbidden and "sqlite3" in forbidden, "the graph lost the database modules"
    chains = sorted(
        " -> ".join(chain)
        for core in contract["source_modules"]
        for target in forbidden
        for chain in graph.find_shortest_chains(core, target, as_packages=True)
    )
    assert chains == []
