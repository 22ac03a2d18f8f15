"""``Location`` on a creation's 201 (RFC 9110 10.2.2): the created record's own path, which a client
reads it back from (``GET``) instead of putting the path together itself. Declared in the OpenAPI
document on each such 201; a creation whose record has no path of its own (readings, an override,
an account, a token, a device association, an assigned result) answers none."""

from __future__ import annotations

from typing import Any

from fastapi import Response

LOCATION: dict[str, Any] = {
    "Location": {
        "description": "The created record's path (`GET` it to read the record again, with a role that"
        " reads it: an integrator's walk-in is answered it too, but only the clinical roles read an"
        " assessment - the 201's body is the whole stored record)",
        "required": True,
        "schema": {"type": "string"},
    }
}


def created(description: str = "Created") -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entry of a route whose 201 carries ``Location``."""
    return {201: {"description": description, "headers": LOCATION}}


def locate(response: Response, path: str) -> None:
    """Set the 201's ``Location`` to ``path`` (``/api/v1/...``)."""
    response.headers["Location"] = path
