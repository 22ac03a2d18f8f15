"""The names the service answers to: a request whose ``Host`` is another name is refused (400).

DNS rebinding: a web site's page the clinic PC opens can have its own name (``rebind.example``)
resolve to ``127.0.0.1`` or the service's LAN address a moment later; the browser then treats the
service as that site's own page - same origin, so neither the refusal of another origin's forms
(``auth.refuse_cross_origin``) nor the SameSite cookie stops it. Before the first administrator
exists the page could read ``/setup`` and send it, making its author the administrator; later it
could try passwords from inside the clinic (and use up the PC's failed-login limit). The one thing
it cannot change is the ``Host`` the browser sends: the site's name. So every request must name
the service by one of:

- an IP address (``127.0.0.1``, ``10.0.0.5``, ``[::1]``): no DNS, nothing to rebind;
- a name without a dot (``localhost``, the PC's name on the LAN, ``clinic-pc``) or under
  ``.localhost`` (RFC 6761: always this machine): public DNS, which the other site's name is in,
  answers for no such name;
- ``service.host`` when it is a name, the machine's own host name;
- a name listed in ``service.allowed_hosts`` (the reverse proxy's public name,
  ``triage.clinic.example``; ``.clinic.example``: that domain and every name under it).

A request without ``Host`` is no browser's (HTTP/1.0 scripts) and passes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from triage.errors import json_text
from triage.service.api import request_id
from triage.service.api.errors import error_body

if TYPE_CHECKING:
    from triage.settings import Settings

log = logging.getLogger(__name__)

CODE = "host_not_allowed"
#: Names of refused ``Host`` headers logged once each, at most this many per process (a page of
#: another site could send a new name with every request).
LOGGED_AT_MOST = 64


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, lower case, without its port (``[::1]:8000`` -> ``::1``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class AllowedHosts:
    """Whether a ``Host`` names this service (see the module's rules)."""

    def __init__(self, service_host: str, listed: Iterable[str]) -> None:
        names = {socket.gethostname().lower(), service_host.strip().lower()}
        self.exact = names | {name for name in listed if not name.startswith(".")}
        self.domains = tuple(name for name in listed if name.startswith("."))

    def allows(self, host_header: str) -> bool:
        name = host_name(host_header)
        if not name:
            return False
        if "." not in name or name in self.exact or _is_ip(name) or name.endswith(".localhost"):
            return True
        return any(name.endswith(domain) or name == domain[1:] for domain in self.domains)


def with_host_allowed(settings: Settings, host: str | None) -> Settings:
    """The settings with ``host`` - the name `triage serve --host` or `triage demo --host` was given,
    or the settings' own ``service.host`` when the demo listens elsewhere - among the names the
    service answers to (``allowed_hosts``), in every process: only the settings' host was, so each
    request under the name given was a 400 ``host_not_allowed``. An IP address, a name without a
    dot (always allowed) or one the setting would not take is left as it is."""
    name = (host or "").strip().lower()
    if "." not in name or not _NAME.fullmatch(name) or name in settings.service.allowed_hosts:
        return settings
    if _is_ip(name):
        return settings
    listed = [*settings.service.allowed_hosts, name]
    return settings.model_copy(
        update={"service": settings.service.model_copy(update={"allowed_hosts": listed})}
    )


#: A dotted host name ``service.allowed_hosts`` takes (letters, digits, ``-`` and ``.``).
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")


def refusal(host_header: str, *, api: bool = False) -> str:
    """What a refused request is told: the name, why, and the setting that adds it. ``api``: said
    as the API's errors name a header (``header.Host: "x" is not ...``), so the error's ``fields``
    name it."""
    name = host_name(host_header)
    said = f"header.Host: {json_text(host_header)} is" if api else f"Host {json_text(host_header)}:"
    return (
        f"{said} not a name of this service. Either a page of another web"
        " site reached the service under that site's name (DNS rebinding), or the service is"
        " reached by a name it was not told: an administrator adds it to service.allowed_hosts in"
        f' the settings (allowed_hosts = ["{name}"], or TRIAGE_SERVICE__ALLOWED_HOSTS=\'["{name}"]\')'
        " and restarts the service. An IP address or localhost always works"
    )


class HostCheck:
    """ASGI middleware: 400 ``host_not_allowed`` for a request whose ``Host`` names no name of
    this service (:class:`AllowedHosts`), before any route - ``/setup`` and ``/login`` among them -
    sees it. JSON under ``/api/`` in the API's error shape (``fields``: ``header.Host``), plain
    text elsewhere (it is no page of this service); ``X-Request-ID`` (outside it) is on both, and
    the log's line about a name refused names the request, as a failed request's does."""

    def __init__(self, app: ASGIApp, hosts: AllowedHosts) -> None:
        self.app = app
        self.hosts = hosts
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        said = None if host is None else host.decode("latin-1")
        if said is None or self.hosts.allows(said):
            await self.app(scope, receive, send)
            return
        message = refusal(said)
        if len(self._logged) < LOGGED_AT_MOST and said not in self._logged:
            self._logged.add(said)
            log.warning(
                "request %s: refused %s %s: %s",
                request_id.current(),
                scope["method"],
                scope["path"],
                message,
            )
        if scope["path"].startswith("/api/"):  # the API's one error shape: fields ["header.Host"]
            body = json.dumps(error_body(refusal(said, api=True), CODE, 400)).encode()
            kind = b"application/json"
        else:
            body = (message + "\n").encode()
            kind = b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})
