"""The clinic service: FastAPI API, staff pages, live device -> triage -> referral wiring."""
