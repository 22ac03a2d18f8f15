"""The clinic service: FastAPI API, staff pages, live device -> triage -> referral wiring."""

import referral  # noqa: F401  - first: sqlite-utils without pandas (see referral/__init__.py)
from triage.service.app import create_app

__all__ = ["create_app"]
