"""What the migrations share: a script of statements run one by one, and a CHECK of a value set."""

from __future__ import annotations

from sqlite_utils import Database


def one_of(column: str, values: tuple[str, ...]) -> str:
    allowed = ", ".join(f"'{v}'" for v in values)
    return f"CHECK ({column} IN ({allowed}))"


def run_script(db: Database, script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)
