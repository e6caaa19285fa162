"""The workbench's gate: every request passes here before any route.

* **Host**: on a loopback address only ``Host: 127.0.0.1``, ``localhost`` or ``[::1]`` is
  served (a page elsewhere cannot reach the app through DNS rebinding).
* **Token**: when the app is reachable from other machines, every request (pages, assets,
  downloads) needs the token printed at start: ``?token=`` once (it is then kept in an
  HttpOnly cookie and the address is cleaned), the cookie, or ``Authorization: Bearer``.
* **Size**: a request body larger than the upload limit is refused with 413 before it is read.
* **Headers**: a Content-Security-Policy without inline scripts or ``eval`` for the
  workbench's pages (the map and the report geoplan writes get their own, offline, policy),
  ``nosniff``, same-origin framing and referrers.
"""

from __future__ import annotations

import hmac
import html
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["APP_CSP", "DOCUMENT_CSP", "LOOPBACK_HOSTS", "MAP_CSP", "TOKEN_COOKIE",
           "BodyTooLargeError", "Guard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
TOKEN_COOKIE = "geoplan_token"

#: The workbench's own pages: scripts and styles from /static only, no eval.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
           "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
           "base-uri 'none'; object-src 'none'")
#: The map and the report geoplan writes: self-contained files (inline scripts and styles,
#: data: images), allowed nothing from any server.
DOCUMENT_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "img-src data: blob:; font-src data:; frame-ancestors 'self'; base-uri 'none'; "
                "form-action 'none'")
#: The interactive map: the same, and ``unsafe-eval`` because the measuring tool it inlines
#: (leaflet-measure, through underscore's templates) compiles its popups with ``new Function``.
MAP_CSP = DOCUMENT_CSP.replace("script-src 'unsafe-inline'",
                               "script-src 'unsafe-inline' 'unsafe-eval'")


class BodyTooLargeError(Exception):
    """Raised while a request body is read, once it passes the limit (routes that read bodies
    catch it and answer 413)."""


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _page(status: int, title: str, text: str) -> bytes:
    return (f"<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body>"
            "</html>").encode()


class Guard:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, *, token: str | None, allowed_hosts: tuple[str, ...] | None,
                 max_body: int) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = allowed_hosts
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", "")).lower()
            if host not in self.allowed_hosts:
                await self._reply(send, 421, "Sai địa chỉ máy / Wrong host",
                                  f"This app answers only on {', '.join(self.allowed_hosts)}.")
                return
        if self.token is not None:
            verdict = self._check_token(scope, headers)
            if verdict == "redirect":
                await self._redirect_without_token(scope, send)
                return
            if verdict != "ok":
                await self._reply(send, 401, "Cần mã truy cập / Token required",
                                  "Open the address with ?token=… that geoplan serve printed "
                                  "when it started.")
                return
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._too_large(send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLargeError
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"SAMEORIGIN"),
                         (b"cross-origin-opener-policy", b"same-origin")]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", APP_CSP.encode()))
                raw += [(k, v) for k, v in extra if k not in names]
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLargeError:
            if not started:
                await self._too_large(send)

    def _check_token(self, scope: Scope, headers: dict[str, str]) -> str:
        assert self.token is not None
        expected = self.token.encode()
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token")
        if given is not None:
            return "redirect" if hmac.compare_digest(given.encode(), expected) else "no"
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(
                auth[7:].strip().encode(), expected):
            return "ok"
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == TOKEN_COOKIE and hmac.compare_digest(value.encode(), expected):
                return "ok"
        return "no"

    async def _redirect_without_token(self, scope: Scope, send: Send) -> None:
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"))
                 if k != "token"]
        location = scope.get("path", "/") + (f"?{urlencode(query)}" if query else "")
        assert self.token is not None
        cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")),
                                (b"set-cookie", cookie.encode("latin-1")),
                                (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def _too_large(self, send: Send) -> None:
        mb = self.max_body / 1024**2
        await self._reply(send, 413, "Tệp quá lớn / Upload too large",
                          f"The upload is larger than the limit of {mb:,.0f} MB "
                          "(geoplan serve --max-upload-mb raises it).")

    async def _reply(self, send: Send, status: int, title: str, text: str) -> None:
        body = _page(status, title, text)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"content-security-policy", APP_CSP.encode()),
                                (b"x-content-type-options", b"nosniff")]})
        await send({"type": "http.response.body", "body": body})
