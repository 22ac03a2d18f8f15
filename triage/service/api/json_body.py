"""How the API decodes a JSON body: as FastAPI does, but a key repeated in one object
(``{"pregnant": true, "pregnant": false}``) is a 422 naming it instead of the last value winning
without a word - JSON readers disagree on which wins, so the integrator's bug chose the value the
patient was assessed on. ``triage assess`` refuses the same (``triage.json_input.unique_keys``).

Every API router is built with ``route_class=JsonRoute``."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from triage.json_input import RepeatedKeyError, unique_keys


class _UniqueKeysRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, object_pairs_hook=unique_keys)
            except RepeatedKeyError as exc:  # (FastAPI passes an HTTPException on to the handlers)
                raise HTTPException(422, f"body: {exc.message()}") from None
        return self._json


class JsonRoute(APIRoute):
    """An API route whose request decodes JSON with :func:`triage.json_input.unique_keys`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_UniqueKeysRequest(request.scope, request.receive))

        return route
