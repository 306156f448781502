"""Who may use the app and which writes are genuine: the access token, the host check
against DNS rebinding, the Origin check and CSRF tokens against cross-site requests.

The checks are pure functions of the request's headers, tested without a server; the
middleware at the bottom applies them to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from featureline.ui.settings import UiSettings, is_loopback

SESSION_COOKIE = "fl_session"
TOKEN_COOKIE = "fl_token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SECURITY_HEADERS = {
    # Defence in depth: even if some text escaped its escaping, no inline script runs.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class Refusal(Exception):
    """A request the app will not serve, with the status and the one line that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def csrf_token(secret: str, session: str) -> str:
    """The form token for a session: an HMAC, so the server keeps no table of tokens."""
    return hmac.new(secret.encode(), session.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, session: str | None, given: str | None) -> None:
    if not session or not given or not hmac.compare_digest(csrf_token(secret, session), given):
        raise Refusal(403, "this form is stale or came from another site: reload the page")


def check_origin(method: str, host: str | None, origin: str | None, referer: str | None) -> None:
    """A write must say it comes from a page of this very app (scheme-less host compare)."""
    if method in SAFE_METHODS:
        return
    claimed = origin if origin and origin != "null" else referer
    if not claimed:
        raise Refusal(403, "a write needs an Origin or Referer header from this app's pages")
    if not host or urlsplit(claimed).netloc.lower() != host.lower():
        raise Refusal(403, "cross-site write refused: it did not come from this app's pages")


def check_host(settings: UiSettings, host: str | None) -> None:
    """Without a token the app trusts loopback only; a page of another site that rebinds its
    DNS name to 127.0.0.1 would reach it under its own name, so other Host names are refused."""
    if settings.token:
        return
    name = urlsplit(f"//{host or ''}").hostname or ""
    if not is_loopback(name):
        raise Refusal(400, f"unexpected Host {host!r}: open the app as http://127.0.0.1")


def token_ok(settings: UiSettings, authorization: str | None, cookie: str | None) -> bool:
    if not settings.token:
        return True
    offered = cookie or ""
    if authorization and authorization.lower().startswith("bearer "):
        offered = authorization[7:].strip()
    return hmac.compare_digest(offered.encode(), settings.token.encode())


async def checked_form(request: Request) -> FormData:
    """The posted form, after its CSRF token was checked against the session cookie."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    settings: UiSettings = request.app.state.settings
    check_csrf(
        settings.secret,
        request.cookies.get(SESSION_COOKIE),
        given if isinstance(given, str) else None,
    )
    return form


Handler = Callable[[Request], Awaitable[Response]]


async def guard(request: Request, call_next: Handler) -> Response:
    """Middleware: host, token and origin checks first; then a session cookie for CSRF."""
    settings: UiSettings = request.app.state.settings
    headers = request.headers
    try:
        check_host(settings, headers.get("host"))
        if settings.token and request.method == "GET" and "token" in request.query_params:
            return _accept_token_link(request, settings)
        if not token_ok(settings, headers.get("authorization"), request.cookies.get(TOKEN_COOKIE)):
            raise Refusal(
                401, "this app needs its access token: open the link `featureline ui` printed"
            )
        check_origin(
            request.method, headers.get("host"), headers.get("origin"), headers.get("referer")
        )
    except Refusal as refusal:
        return PlainTextResponse(
            refusal.message + "\n", status_code=refusal.status, headers=SECURITY_HEADERS
        )
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        session = secrets.token_urlsafe(24)
    request.state.session = session
    request.state.csrf_token = csrf_token(settings.secret, session)
    response = await call_next(request)
    if request.cookies.get(SESSION_COOKIE) != session:
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _accept_token_link(request: Request, settings: UiSettings) -> Response:
    """``?token=T`` (the link the CLI prints) becomes a cookie, and the URL loses it."""
    given = request.query_params.get("token", "")
    if not settings.token or not hmac.compare_digest(given.encode(), settings.token.encode()):
        return PlainTextResponse("wrong access token\n", status_code=401, headers=SECURITY_HEADERS)
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="lax")
    return response
