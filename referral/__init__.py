"""Durable referral log: SQLite storage, audit trail, exports (the bottom layer)."""
