"""The accounts page of a lead: every account with its role and state, and
buttons that disable or enable one (``patrol users disable|enable`` on the
command line). Disabling ends the account's sessions and API tokens at once:
its next request, in the browser or over the API, is anonymous."""

from __future__ import annotations

import logging

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
        abort(400, "Refused: the form is out of date. Reload the page and try again.")
    check_username(username)
    if action == "disable" and username == g.user["username"]:
        abort(400, "You cannot disable your own account; ask another lead.")
    user = get_store().set_disabled(username, action == "disable")
    log.warning("account %s %sd by %s", username, action, g.user["username"])
    flash(f"{user['username']} is {action}d" + ("; their sessions and API tokens have ended."
                                                if action == "disable" else "."), "ok")
    return redirect(url_for("accounts.index"))
