"""Paging of the API's lists, one way for all of them.

A list newest first pages with a cursor, ``before_id``: the next page is the rows older than the
last one shown, so rows stored meanwhile (they have higher ids) neither shift the pages nor come
twice, as they did with ``offset``. Every list answers ``X-Total-Count`` (the rows that match, not
only this page's) and, when there is more, ``Link: <...>; rel="next"`` (RFC 8288) with the next
page's path and query: a client follows it until there is none. Lists answered as an object carry
the same as ``total`` and ``next``; bare JSON lists (``/api/v1`` answered them so before paging
existed) carry them in the headers only, so their clients keep working.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from pydantic import Field

from triage.service.api.deps import MAX_ID

BeforeId = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_ID,
        description="Only rows older than this id: the cursor of the next page (take it from the"
        ' `Link` header\'s rel="next" or `next`; stable while new rows arrive)',
    ),
]

#: The page size of every list cut by ``limit``: at most MAX_LIMIT rows, DEFAULT_LIMIT unless asked
#: (docs/service.md's table, checked against the routes by tests/service/test_api_page_sizes.py).
#: The sizes differed without a reason before 2026-12-05 (1-500 or 1-1000, default 50 or 100).
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: The queue's default: a day's queue is read whole - it is ranked live, so a walk-in moves rows
#: between its pages (by ``offset``) and a client reading it page by page can miss one.
QUEUE_LIMIT = 500


def limit(default: int = DEFAULT_LIMIT, why: str = "as every list of the API but the queue") -> Any:
    """The ``limit`` query parameter of a list (``Annotated[int, paging.limit()] = DEFAULT_LIMIT``)."""
    return Query(
        ge=1,
        le=MAX_LIMIT,
        description=f"At most this many rows a page: 1 to {MAX_LIMIT}, default {default} ({why})",
    )


Limit = Annotated[int, limit()]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=2**31,
        description="Skip this many rows (the cursor in `next` is stable while rows arrive; an offset"
        " shifts by one for each row stored meanwhile)",
    ),
]

T = TypeVar("T")

TOTAL_HEADER = "X-Total-Count"

HEADERS: dict[str, Any] = {
    TOTAL_HEADER: {
        "description": "How many rows match the request, over all pages",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'The next page, `<path?query>; rel="next"` (RFC 8288); absent on the last page',
        "schema": {"type": "string"},
    },
}

TOTAL_ONLY: dict[str, Any] = {TOTAL_HEADER: HEADERS[TOTAL_HEADER]}


def paged(description: str = "Successful Response") -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entry of a paged list: its 200 declares ``X-Total-Count`` and ``Link``."""
    return {200: {"description": description, "headers": HEADERS}}


def counted(description: str = "Successful Response") -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entry of a list that is never cut: its 200 declares ``X-Total-Count``."""
    return {200: {"description": description, "headers": TOTAL_ONLY}}


NextPage = Annotated[
    str | None,
    Field(
        description="The next page's path and query (as the `Link` header's rel=\"next\"); null: the last page"
    ),
]


def next_page(request: Request, **cursor: int | str) -> str:
    """The request's path and query with ``cursor`` in place of its own paging parameters
    (``offset`` is dropped for a ``before_id``: the cursor replaces it)."""
    replaced = set(cursor) | ({"offset"} if "before_id" in cursor else set())
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in replaced]
    query += [(k, str(v)) for k, v in cursor.items()]
    return f"{request.url.path}?{urlencode(query)}"


def whole(response: Response, rows: list[T]) -> list[T]:
    """``rows``, a list answered whole: its ``X-Total-Count`` is its length."""
    answer(response, len(rows))
    return rows


def answer(response: Response, total: int, following: str | None = None) -> None:
    """Set the paging headers of a list's answer."""
    response.headers[TOTAL_HEADER] = str(total)
    if following is not None:
        response.headers["Link"] = f'<{following}>; rel="next"'
