"""The dashboard's WSGI application, mounted at /admin by the front (bot.web): routes, cookies,
CSRF and security headers around pages rendered from templates. It reads and changes data only
through services (import-linter keeps the database and the Web API out of this package)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.admin import pages
from bot.services.dashboard import Dashboard
from bot.services.sign_in import MAX_AGE, AdminAccess, SignInRefused, SlackUnavailable, Viewer

logger = logging.getLogger(__name__)

PREFIX = "/admin"
SESSION_COOKIE = "lq_admin"
SIGN_IN_COOKIE = "lq_admin_signin"
MAX_FORM_BYTES = 16 * 1024
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
STATUS = {
    200: "OK",
    302: "Found",
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    503: "Service Unavailable",
}
NOTICES = {  # ?notice=... after a change: a fixed text, never the query's own
    "resolved": "Report resolved.",
    "not-resolved": "That report was already resolved, or is not one of this workspace's.",
    "saved": "Schedule saved; every replica picks it up within a minute.",
    "removed": "Daily questions are off in that channel.",
    "not-removed": "That channel had no schedule.",
    "retired": "Question retired: it is never posted, practised or reviewed again, and keeps its history.",
    "not-retired": "That question was not in rotation, or is not one of this workspace's.",
}

StartResponse = Callable[[str, list[tuple[str, str]]], object]


@dataclass
class Request:
    method: str
    path: str  # below /admin: "", "/learning", ...
    query: dict[str, str]
    cookies: dict[str, list[str]]
    environ: dict
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _signature(key: bytes, purpose: str, value: str) -> str:
    mac = hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


class AdminApp:
    """WSGI: `environ` in, the page (or redirect) out."""

    def __init__(
        self, *, access: AdminAccess, dashboard: Dashboard, session_key: str, public_url: str
    ) -> None:
        self.access = access
        self.dashboard = dashboard
        self._key = session_key.encode()
        self.public_url = public_url
        self.templates = Environment(
            loader=PackageLoader("bot.admin", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.css = resources.files("bot.admin").joinpath("static/admin.css").read_bytes()

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._handle(environ)
        except SlackUnavailable:
            response = self._page(
                503, "error.html", None, message="Slack could not be reached: try again shortly."
            )
        response.headers += [
            ("Content-Security-Policy", CSP),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
        ]
        start_response(f"{response.status} {STATUS.get(response.status, 'Status')}", response.headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.body]

    def _handle(self, environ: dict) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").removeprefix(PREFIX).rstrip("/")
        query = {
            k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()
        }
        request = Request(
            method=method, path=path, query=query, cookies=self._cookies(environ), environ=environ
        )
        if path == "/static/admin.css":
            return Response(200, self.css, "text/css; charset=utf-8", [("Cache-Control", "max-age=3600")])
        if path in ("/signin", "/signin/slack", "/callback"):
            if method not in ("GET", "HEAD"):
                return self._page(405, "error.html", None, message="Use GET.")
            return {
                "/signin": self._signin_page,
                "/signin/slack": self._signin_start,
                "/callback": self._callback,
            }[path](request)
        route = pages.ROUTES.get((method if method != "HEAD" else "GET", path))
        if route is None:
            known = {p for _, p in pages.ROUTES} | {"/logout"}
            return self._page(405 if path in known else 404, "error.html", None, message="Not here.")
        viewer = self._viewer(request)
        if method == "POST":
            if viewer is None:
                return self._page(403, "error.html", None, message="Sign in first.")
            refused = self._read_form(request, viewer)
            if refused is not None:
                return refused
        elif viewer is None:
            return self._redirect(f"{PREFIX}/signin")
        return route(self, request, viewer)

    # -- sign-in ---------------------------------------------------------------------------
    def _signin_page(self, request: Request) -> Response:
        return self._page(200, "signin.html", None)

    def _signin_start(self, request: Request) -> Response:
        started = self.access.start(redirect_uri=f"{self._base(request)}{PREFIX}/callback")
        response = self._redirect(started.authorize_url, status=302)
        response.headers.append(
            ("Set-Cookie", self._cookie(request, SIGN_IN_COOKIE, started.browser_secret, 600))
        )
        return response

    def _callback(self, request: Request) -> Response:
        if request.query.get("error"):
            return self._page(403, "error.html", None, message="Sign-in was cancelled in Slack.")
        previous = self._session_token(request)
        try:
            signed = self.access.finish(
                state=request.query.get("state", ""),
                code=request.query.get("code", ""),
                browser_secret=next(iter(request.cookies.get(SIGN_IN_COOKIE, [])), ""),
                replaces=previous,
            )
        except SignInRefused as refused:
            response = self._page(refused.status, "error.html", None, message=str(refused))
            response.headers.append(("Set-Cookie", self._cookie(request, SIGN_IN_COOKIE, "", 0)))
            return response
        response = self._redirect(f"{PREFIX}")
        response.headers += [
            (
                "Set-Cookie",
                self._cookie(
                    request, SESSION_COOKIE, self._signed(signed.token), int(MAX_AGE.total_seconds())
                ),
            ),
            ("Set-Cookie", self._cookie(request, SIGN_IN_COOKIE, "", 0)),
        ]
        return response

    def logout(self, request: Request, viewer: Viewer) -> Response:
        self.access.end(self._session_token(request) or "")
        response = self._redirect(f"{PREFIX}/signin")
        response.headers.append(("Set-Cookie", self._cookie(request, SESSION_COOKIE, "", 0)))
        return response

    # -- sessions, cookies, CSRF -----------------------------------------------------------
    def _session_token(self, request: Request) -> str | None:
        """The first session cookie sent that this app signed."""
        for candidate in request.cookies.get(SESSION_COOKIE, []):
            token = self._unsigned(candidate)
            if token:
                return token
        return None

    def _viewer(self, request: Request) -> Viewer | None:
        token = self._session_token(request)
        return self.access.viewer(token) if token else None

    def _signed(self, token: str) -> str:
        return f"{token}.{_signature(self._key, 'session', token)}"

    def _unsigned(self, value: str) -> str | None:
        """The token of a session cookie signed with ADMIN_SESSION_KEY; None if forged."""
        token, _, signature = value.rpartition(".")
        if not token or not hmac.compare_digest(signature, _signature(self._key, "session", token)):
            return None
        return token

    def csrf_token(self, viewer: Viewer) -> str:
        return _signature(self._key, "csrf", viewer.session_id)

    def _read_form(self, request: Request, viewer: Viewer) -> Response | None:
        """Parse the form; 403 (and nothing done) unless it carries this session's CSRF token."""
        raw_length = request.environ.get("CONTENT_LENGTH") or "0"
        if not raw_length.isdigit() or int(raw_length) > MAX_FORM_BYTES:
            return self._page(413, "error.html", viewer, message="That form is too large.")
        body = request.environ["wsgi.input"].read(int(raw_length)) if int(raw_length) else b""
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return self._page(400, "error.html", viewer, message="That form could not be read.")
        request.form = {k: v[0] for k, v in fields.items()}
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, self.csrf_token(viewer)):
            logger.warning("dashboard POST %s without a valid CSRF token refused", request.path)
            return self._page(
                403,
                "error.html",
                viewer,
                message="This form expired or did not come from this page: reload it.",
            )
        return None

    @staticmethod
    def _cookies(environ: dict) -> dict[str, list[str]]:
        """Every cookie value sent, by name, in the order sent (a name can come twice: another
        path's cookie, or one planted from a sibling domain)."""
        found: dict[str, list[str]] = {}
        for pair in environ.get("HTTP_COOKIE", "").split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep and value:
                found.setdefault(name, []).append(value)
        return found

    def _secure(self, request: Request) -> bool:
        if self.public_url:
            return self.public_url.startswith("https://")
        return request.environ.get("wsgi.url_scheme") == "https"

    def _cookie(self, request: Request, name: str, value: str, max_age: int) -> str:
        parts = [f"{name}={value}", f"Path={PREFIX}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if self._secure(request):
            parts.append("Secure")
        return "; ".join(parts)

    def _base(self, request: Request) -> str:
        if self.public_url:
            return self.public_url
        scheme = request.environ.get("wsgi.url_scheme", "http")
        host = (
            request.environ.get("HTTP_HOST")
            or f"{request.environ.get('SERVER_NAME')}:{request.environ.get('SERVER_PORT')}"
        )
        return f"{scheme}://{host}"

    # -- responses -------------------------------------------------------------------------
    def _page(self, status: int, template: str, viewer: Viewer | None, **context: object) -> Response:
        html = self.templates.get_template(template).render(
            viewer=viewer,
            csrf=self.csrf_token(viewer) if viewer else "",
            prefix=PREFIX,
            **{"active": "", "channel": None, "channels": [], "notice": None, "message": "", **context},
        )
        return Response(status, html.encode("utf-8"))

    def render(
        self, template: str, viewer: Viewer, request: Request, *, status: int = 200, **context: object
    ) -> Response:
        notice = NOTICES.get(request.query.get("notice", ""))
        return self._page(status, template, viewer, notice=notice, **context)

    @staticmethod
    def _redirect(location: str, *, status: int = 303) -> Response:
        return Response(status, b"", headers=[("Location", location)])

    def not_found(self, viewer: Viewer, message: str) -> Response:
        return self._page(404, "error.html", viewer, message=message)

    def back(self, path: str, **query: str) -> Response:
        return self._redirect(f"{PREFIX}{path}" + (f"?{urlencode(query)}" if query else ""))


__all__ = ["AdminApp", "Request", "Response"]
