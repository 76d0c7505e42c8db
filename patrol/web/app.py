"""Build the console's WSGI application.

APIFlask is Flask plus an OpenAPI generator: the HTML console is plain Flask
blueprints, the JSON API (``patrol.web.api``) gets its schema at
``/api/openapi.json`` from the same app. The interactive docs page is off
because APIFlask serves it from a CDN and analysts' networks may be closed.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apiflask import APIFlask
from flask_babel import gettext as _
from flask import current_app, g, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from patrol import __version__, config
from patrol.store import open_store
from patrol.store.base import CATEGORIES, KINDS, STATUSES, Conflict, NotFound, Store, StoreUnavailable
from patrol.store.common import StoreInputError

log = logging.getLogger(__name__)

csrf = CSRFProtect()

# Content-Security-Policy: only our own files; no inline script or style, so a
# crawled string that escaped escaping still could not run.
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def get_store() -> Store:
    """The app's one store (backends are safe to share between threads)."""
    return current_app.extensions["patrol_store"]


def office_tz() -> ZoneInfo:
    return current_app.extensions["patrol_tz"]


class _JSONProvider(DefaultJSONProvider):
    """ISO 8601 datetimes in JSON (Flask's default is an HTTP date)."""

    @staticmethod
    def default(o):
        if isinstance(o, (_dt.datetime, _dt.date)):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag decided per request
    when PATROL_COOKIE_SECURE is "auto" (Flask's own setting is fixed at start)."""

    def get_cookie_secure(self, app) -> bool:
        value = app.config["PATROL_COOKIE_SECURE"]
        return request.is_secure if value == "auto" else bool(value)


def _secret_key() -> str:
    """PATROL_WEB_SECRET, else a random key kept in PATROL_DATA_DIR so sessions
    survive a restart."""
    configured = config.get("PATROL_WEB_SECRET")
    if configured:
        return configured
    path = Path(config.get("PATROL_DATA_DIR")) / "web-secret.key"
    if path.is_file():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def _office_zone() -> ZoneInfo:
    name = config.get("PATROL_TIMEZONE")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise config.ConfigError(f"PATROL_TIMEZONE: unknown time zone {name!r}") from exc


def create_app(store_url: str | None = None, secret_key: str | None = None) -> APIFlask:
    """The console for the store at ``store_url`` (default: PATROL_STORE)."""
    app = APIFlask(__name__, title="Content patrol review console", version=__version__,
                   spec_path="/api/openapi.json", docs_path=None, json_errors=False)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PATROL_COOKIE_SECURE=config.get("PATROL_COOKIE_SECURE"),
        PATROL_LEASE_RENEW_SECONDS=config.get("PATROL_LEASE_RENEW_SECONDS"),
        PERMANENT_SESSION_LIFETIME=_dt.timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed session
        MAX_CONTENT_LENGTH=1024 * 1024,
        INFO={"description": "Review-queue API: the same operations and roles as the console. "
                            "Authenticate with the console's session cookie (send the CSRF token "
                            "in X-CSRFToken on POST) or with a bearer token from POST /api/token."},
        SECURITY_SCHEMES={"BearerAuth": {"type": "http", "scheme": "bearer"},
                          "CookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"}},
    )
    app.json = _JSONProvider(app)
    app.session_interface = _SessionInterface()
    app.extensions["patrol_tz"] = _office_zone()
    app.extensions["patrol_data_dir"] = Path(config.get("PATROL_DATA_DIR"))
    store = open_store(store_url)
    app.extensions["patrol_store"] = store
    csrf.init_app(app)
    from patrol.web import i18n
    i18n.init_app(app)  # before the blueprints: their templates' ``_`` is Flask-Babel's

    from patrol.web import accounts, api, auth, dashboard, exports, flag, queue, reports
    from patrol.web.render import install_filters
    auth.limiter.init_app(app)
    for bp in (auth.bp, queue.bp, flag.bp, dashboard.bp, exports.bp, accounts.bp, reports.bp):
        app.register_blueprint(bp)
    from patrol.web import cases
    app.register_blueprint(cases.bp)
    csrf.exempt(api.bp)  # the API checks CSRF itself when it is authenticated by cookie
    app.register_blueprint(api.bp)
    app.before_request(auth.load_user)
    install_filters(app)
    app.context_processor(lambda: {"CATEGORIES": CATEGORIES, "STATUSES": STATUSES,
                                   "KINDS": KINDS, "current_user": g.get("user"),
                                   "OFFICE_TZ": office_tz().key})
    _install_error_handlers(app)

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", _CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if g.get("user") is not None:
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    log.info("review console on store %s", store.backend)
    return app


def _error(status: int, message: str):
    if request.path.startswith("/api/"):
        return {"status": status, "message": message}, status
    return render_template("error.html", status=status, message=message), status


def _install_error_handlers(app: APIFlask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _error(400, _("Refused: %(why)s Reload the page and try again.", why=exc.description))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return _error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):
        return _error(404, str(exc))

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        return _error(409, str(exc))

    @app.errorhandler(StoreInputError)
    def _bad_input(exc: StoreInputError):
        return _error(400, _("Bad request: %(why)s", why=exc))

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError):
        # json.loads (Flask's and webargs') gives up with RecursionError, not ValueError.
        return _error(400, _("Bad request: the JSON body is nested too deeply"))

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc: StoreUnavailable):
        log.error("store unavailable: %s", exc)
        return _error(503, _("The store is unavailable: %(why)s", why=exc))
