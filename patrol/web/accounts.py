"""The accounts page of a lead: every account with its role and state, and
buttons that disable or enable one (``patrol users disable|enable`` on the
command line). Disabling ends the account's sessions and API tokens at once:
its next request, in the browser or over the API, is anonymous."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from patrol.store.users import check_username
from patrol.web.app import get_store
from patrol.web.auth import lead_required
from patrol.web.forms import ActionForm

log = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__)


@bp.route("/accounts")
@lead_required
def index():
    return render_template("accounts.html", users=get_store().list_users(), form=ActionForm())


@bp.route("/accounts/<username>/<action>", methods=["POST"])
@lead_required
def set_state(username: str, action: str):
    if action not in ("disable", "enable"):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400, _("Refused: the form is out of date. Reload the page and try again."))
    check_username(username)
    if action == "disable" and username == g.user["username"]:
        abort(400, _("You cannot disable your own account; ask another lead."))
    user = get_store().set_disabled(username, action == "disable")
    log.warning("account %s %sd by %s", username, action, g.user["username"])
    if action == "disable":
        flash(_("%(user)s is disabled; their sessions and API tokens have ended.", user=user["username"]), "ok")
    else:
        flash(_("%(user)s is enabled.", user=user["username"]), "ok")
    return redirect(url_for("accounts.index"))


@bp.route("/language", methods=["POST"])
def set_language():
    """The console language: kept on the account (every browser of the user)
    and in the session (the login page before anyone is logged in)."""
    from flask import request, session

    from patrol.web.auth import _safe_next
    from patrol.web.i18n import LOCALES
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400, _("locale: must be one of %(choices)s", choices=", ".join(LOCALES)))
    session["locale"] = locale
    if g.get("user") is not None:
        g.user = get_store().set_locale(g.user["username"], locale)
    return redirect(_safe_next(request.form.get("next") or None))
