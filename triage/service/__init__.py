"""The clinic service: FastAPI API, staff pages, live device -> triage -> referral wiring."""

from triage.service.app import create_app

__all__ = ["create_app"]
