"""Accounts, roles, login and the access checks every view uses.

Passwords are hashed with argon2-cffi and checked against one policy
(``patrol.web.passwords``); the user record lives in the store
(``create_user``/``get_user``/...). The browser holds a signed session cookie
(Flask's); the API also accepts a signed bearer token from ``POST /api/token``.
The cookie carries the account's ``session_version`` and the token its
``token_version``; both are checked against the store on every request, so
logging out (all of the account's browser sessions), changing the password
and disabling the account end them on the server, not only in the browser.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from patrol.errors import PatrolError
from patrol.store.users import ROLES, USERNAME_RE, USERNAME_RULE
from patrol.web.app import get_store
from patrol.web.forms import LoginForm
from patrol.web.passwords import MAX_PASSWORD, MIN_PASSWORD, check_password  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

TOKEN_MAX_AGE = 30 * 24 * 3600

_hasher = PasswordHasher()
_dummy_hash: str | None = None

bp = Blueprint("auth", __name__)


def _login_name() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    name = request.form.get("username") or (body.get("username") if isinstance(body, dict) else "")
    return str(name or "")[:64].casefold()


# Flask-Limiter, in memory (the console is one waitress process). Failed logins
# are counted twice, each count shared by /login and /api/token: per user name
# (a guesser of one account is stopped whatever address it uses) and per
# client address (a guesser trying many names is stopped too). Either limit
# refuses every login it covers, the right password too, with 429 and a
# message that says the account (or address) is locked and for how long.
limiter = Limiter(get_remote_address, storage_uri="memory://", default_limits=[], headers_enabled=True)
LOGIN_WINDOW_MINUTES = 15
USER_LIMIT = f"10 per {LOGIN_WINDOW_MINUTES} minutes"
ADDRESS_LIMIT = f"30 per {LOGIN_WINDOW_MINUTES} minutes"


def _failed(response) -> bool:
    return response.status_code == 401


def _user_locked_message() -> str:
    # A callable, so the message is in the reader's language (the API's is English).
    return _("The account '%(name)s' is locked after too many failed logins: try again in "
             "%(minutes)d minutes (the right password is refused too until then).",
             name=_login_name(), minutes=LOGIN_WINDOW_MINUTES)


def _address_locked_message() -> str:
    return _("Logins from your address are locked after too many failed attempts: try again in "
             "%(minutes)d minutes.", minutes=LOGIN_WINDOW_MINUTES)


_limit_user = limiter.shared_limit(USER_LIMIT, scope="login-user", key_func=_login_name, methods=["POST"],
                                   deduct_when=_failed, error_message=_user_locked_message)
_limit_address = limiter.shared_limit(
    ADDRESS_LIMIT, scope="login-address", key_func=get_remote_address, methods=["POST"],
    deduct_when=_failed,
    error_message=_address_locked_message)


def limit_failed_logins(view):
    """Both login limits, for every route that checks a password."""
    return _limit_address(_limit_user(view))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def fingerprint(user: dict) -> str:
    return hashlib.sha256(user["password_hash"].encode()).hexdigest()[:16]


def create_account(store, username: str, role: str, password: str) -> dict:
    """Validate and create an account (used by ``patrol users add``)."""
    if not USERNAME_RE.match(username or ""):
        raise PatrolError(f"user name {username!r}: {USERNAME_RULE}")
    if role not in ROLES:
        raise PatrolError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    check_password(password, username)
    return store.create_user(username, hash_password(password), role)


def change_password(store, username: str, password: str) -> dict:
    """Set a new password under the policy; ends the account's sessions and tokens."""
    check_password(password, username)
    return store.set_password(username, hash_password(password))


def authenticate(store, username: str, password: str) -> dict | None:
    """The user if the password matches, else None (same work either way)."""
    global _dummy_hash
    user = store.get_user(username) if USERNAME_RE.match(username or "") else None
    if user is None:
        _dummy_hash = _dummy_hash or _hasher.hash("not-a-password")
        try:
            _hasher.verify(_dummy_hash, password)
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    if user.get("disabled"):
        return None
    if _hasher.check_needs_rehash(user["password_hash"]):
        user = store.set_password(username, _hasher.hash(password))
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="patrol-api-token")


def issue_token(user: dict) -> str:
    return _serializer().dumps({"u": user["username"], "f": fingerprint(user), "v": user["token_version"]})


def _user_from_token(token: str) -> dict | None:
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = get_store().get_user(str(data.get("u", "")))
    if user is None or user.get("disabled") or fingerprint(user) != data.get("f") \
            or user["token_version"] != data.get("v"):
        return None
    return user


def start_session(user: dict) -> None:
    session.clear()
    session.permanent = True
    session["user"], session["fp"], session["sv"] = user["username"], fingerprint(user), user["session_version"]


def load_user() -> None:
    """before_request: set ``g.user`` (None when anonymous) and ``g.auth``."""
    g.user, g.auth = None, None
    header = request.headers.get("Authorization", "")
    if request.path.startswith("/api/") and header[:7].lower() == "bearer ":
        user = _user_from_token(header[7:].strip())
        if user is None:
            abort(401, "Invalid or expired token.")
        g.user, g.auth = user, "token"
        return
    name = session.get("user")
    if name:
        user = get_store().get_user(name)
        if user and not user.get("disabled") and fingerprint(user) == session.get("fp") \
                and user["session_version"] == session.get("sv"):
            g.user, g.auth = user, "session"
        else:
            session.clear()


def _deny_anonymous():
    if request.path.startswith("/api/"):
        abort(401, _("Log in first (session cookie or bearer token)."))
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return _deny_anonymous()
        return view(*args, **kwargs)
    return wrapped


def lead_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return _deny_anonymous()
        if g.user.get("role") != "lead":
            log.warning("role violation: %s tried %s", g.user["username"], request.path)
            abort(403, _("Only a lead may do this."))
        return view(*args, **kwargs)
    return wrapped


def _safe_next(target: str | None) -> str:
    """Only a local path: never an open redirect to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("queue.index")


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_logins
def login():
    target = request.args.get("next")
    if target and any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in target):
        abort(400, _("next must be a local path; this one holds control characters"))
    form = LoginForm()
    store = get_store()
    no_accounts = not store.list_users()
    status = 200
    if form.validate_on_submit():
        user = authenticate(store, form.username.data, form.password.data)
        if user is not None:
            start_session(user)
            log.info("login: %s", user["username"])
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong user name or password."), "error")
        status = 401
    return render_template("login.html", form=form, no_accounts=no_accounts), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends every browser session of the account on the server (a copied
    cookie is refused from now on), not only this browser's cookie."""
    if g.get("user") is not None and g.get("auth") == "session":
        get_store().end_sessions(g.user["username"])
        log.info("logout: %s", g.user["username"])
    session.clear()
    return redirect(url_for("auth.login"))
