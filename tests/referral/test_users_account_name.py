"""``referral.users.account_name``: the one way a typed user name becomes the account's, which the
login and setup pages, the API and ``triage referrals users`` all use; the storage functions that
take a name apply it themselves, so no caller can look an account up by the name as typed (``triage
referrals users disable Nurse1`` did: 'user "Nurse1" not found'). A real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral import users
from referral.errors import UserInputError
from referral.schema import connect


def test_a_name_is_narrowed_trimmed_and_lower_cased() -> None:
    assert users.account_name("Nurse1") == "nurse1"
    assert users.account_name("\u3000Ｎｕｒｓｅ－１ ") == "nurse-1"  # full-width, an ideographic space
    assert users.account_name("护士") == "护士"  # nothing else is mapped: refused as a name, found as none
    assert users.account_name("ﬁnn") == "ﬁnn"  # a ligature is no width form: not made "finn"
    with pytest.raises(UserInputError, match='username: "护士": use 2-64 characters'):
        users.checked_username("护士")


def test_the_log_s_functions_take_the_name_however_it_is_typed(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    made = users.create_user(db, " Ｌｉ ", "$argon2id$v=19$...", "nurse")
    assert made["username"] == "li"
    assert users.get_user(db, "LI") is not None
    assert users.set_disabled(db, "Li", True, actor="admin") is True
    assert users.set_disabled(db, "ｌｉ", True, actor="admin") is False  # so already: nothing recorded
    assert users.create_token(db, "a" * 64, "LI", "tablet")["username"] == "li"
    recorded = db.conn.execute(
        "SELECT action, entity_id FROM audit WHERE entity = 'user' ORDER BY seq"
    ).fetchall()
    assert recorded == [("user.create", "li"), ("user.disable", "li"), ("token.create", "li")]
