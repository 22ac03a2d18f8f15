"""A middleware of the service that edits answers (:class:`triage.service.security.AnswerStartEditor`)
but does not say how cannot be made: before, the app started and answered every HTTP request
with ``NotImplementedError`` (a 500)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from triage.service.api.redirects import PathRedirects
from triage.service.api.request_id import RequestIds
from triage.service.security import AnswerStartEditor, SecurityHeaders


class _Unsaid(AnswerStartEditor):
    """An editor whose author forgot :meth:`editor`."""


def test_an_editor_without_its_editor_fails_as_the_app_builds_its_middleware() -> None:
    app = Starlette()
    app.add_middleware(_Unsaid)
    with pytest.raises(TypeError, match="editor"):
        app.build_middleware_stack()


def test_every_shipped_editor_is_made() -> None:
    app = Starlette()
    for editor in (SecurityHeaders, PathRedirects, RequestIds):
        app.add_middleware(editor)
    app.build_middleware_stack()
