"""The JSON API under /api/: the console's operations for scripts and tools.

Same accounts and roles as the HTML console. A request is authenticated by
the console's session cookie (then every POST must carry the CSRF token in
``X-CSRFToken``, as a browser form would) or by a bearer token from
``POST /api/token`` (no cookie, so no CSRF exposure).
"""

from __future__ import annotations

import logging

from apiflask import APIBlueprint
from flask import abort, g, request

from patrol.web import api_schemas as s
from patrol.web.app import csrf, get_store, office_tz
from patrol.web.auth import authenticate, issue_token, lead_required, limit_failed_logins, login_required
from patrol.web.forms import day_bounds
from patrol.web.render import NOTE_REQUIRED, reason_valid

log = logging.getLogger(__name__)

bp = APIBlueprint("api", __name__, url_prefix="/api", tag="Review queue")
SECURITY = [{"BearerAuth": []}, {"CookieAuth": []}]


@bp.before_request
def _authenticate() -> None:
    if g.get("user") is None and request.endpoint != "api.token":
        abort(401, "Log in first (session cookie or bearer token).")
    if g.get("auth") == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # raises CSRFError (400) without a valid X-CSRFToken


@bp.post("/token")
@bp.input(s.TokenIn, arg_name="body")
@bp.output(s.TokenOut)
@bp.doc(summary="Exchange a user name and password for a bearer token", responses=[401, 429])
@limit_failed_logins
def token(body):
    user = authenticate(get_store(), body["username"], body["password"])
    if user is None:
        abort(401, "Wrong user name or password.")
    return {"token": issue_token(user), "username": user["username"], "role": user["role"]}


@bp.get("/me")
@bp.output(s.Me)
@bp.doc(summary="The authenticated account", security=SECURITY, responses=[401])
@login_required
def me():
    return {"username": g.user["username"], "role": g.user["role"], "auth": g.auth}


@bp.get("/flags/<flag_id>")
@bp.output(s.FlagOut)
@bp.doc(summary="One flag with its evidence and audit trail", security=SECURITY, responses=[401, 404])
@login_required
def get_flag(flag_id):
    return {"flag": get_store().get_flag(flag_id)}


@bp.get("/flags")
@bp.input(s.FlagQuery, location="query", arg_name="query")
@bp.output(s.FlagPage)
@bp.doc(summary="List flags matching the filters, sorted (default: priority)", security=SECURITY,
        responses=[401])
@login_required
def list_flags(query):
    since, until = day_bounds(query.pop("since", None), query.pop("until", None), office_tz())
    skip, limit, sort = query.pop("skip"), query.pop("limit"), query.pop("sort")
    if since:
        query["since"] = since
    if until:
        query["until"] = until
    flags, total = get_store().list_flags(**query, sort=sort, skip=skip, limit=limit)
    return {"flags": flags, "total": total, "skip": skip, "limit": limit}


@bp.post("/next")
@bp.input(s.NextIn, arg_name="body")
@bp.output(s.FlagOut)
@bp.doc(summary="Atomically claim the highest-priority pending flag", security=SECURITY,
        responses=[400, 401])
@login_required
def next_flag(body):
    flag = get_store().claim_next(g.user["username"], **body)
    return {"flag": flag}


@bp.post("/flags/<flag_id>/claim")
@bp.output(s.FlagOut)
@bp.doc(summary="Claim one flag (or renew your lease)", security=SECURITY,
        responses=[400, 401, 404, 409])
@login_required
def claim(flag_id):
    return {"flag": get_store().claim(flag_id, g.user["username"])}


@bp.post("/flags/<flag_id>/release")
@bp.output(s.FlagOut)
@bp.doc(summary="Give a claimed flag back to the queue", security=SECURITY,
        responses=[400, 401, 404, 409])
@login_required
def release(flag_id):
    return {"flag": get_store().release(flag_id, g.user["username"])}


@bp.post("/flags/<flag_id>/decide")
@bp.input(s.DecideIn, arg_name="body")
@bp.output(s.FlagOut)
@bp.doc(summary="Confirm, dismiss or escalate a flag you hold (or a pending one)",
        security=SECURITY, responses=[400, 401, 404, 409])
@login_required
def decide(flag_id, body):
    if not reason_valid(body["verdict"], body["reason"]):
        abort(422, f"reason: {body['reason']!r} is not a reason for {body['verdict']!r}")
    if body["reason"] in NOTE_REQUIRED and not body["note"].strip():
        abort(422, f"note: the reason {body['reason']!r} needs a note saying why")
    flag = get_store().decide(flag_id, g.user["username"], body["verdict"], body["reason"],
                              body["note"].strip())
    log.info("%s decided %s via API: %s", g.user["username"], flag_id, body["verdict"])
    from patrol.cases import on_decided
    on_decided(get_store(), flag)  # a dismissed flag leaves its case
    return {"flag": flag}


@bp.post("/flags/<flag_id>/reopen")
@bp.input(s.ReopenIn, arg_name="body")
@bp.output(s.FlagOut)
@bp.doc(summary="Lead only: send a decided flag back to pending", security=SECURITY,
        responses=[400, 401, 403, 404, 409])
@lead_required
def reopen(flag_id, body):
    return {"flag": get_store().reopen(flag_id, g.user["username"], body["note"].strip())}


@bp.post("/flags/<flag_id>/reassign")
@bp.input(s.ReassignIn, arg_name="body")
@bp.output(s.FlagOut)
@bp.doc(summary="Lead only: hand an open flag to an analyst", security=SECURITY,
        responses=[400, 401, 403, 404, 409])
@lead_required
def reassign(flag_id, body):
    store = get_store()
    if store.get_user(body["analyst"]) is None:
        abort(422, f"analyst: no account named {body['analyst']!r}")
    return {"flag": store.reassign(flag_id, g.user["username"], body["analyst"])}


@bp.get("/stats")
@bp.output(s.Stats)
@bp.doc(summary="Flag counts by category, status, source and day; app counts", security=SECURITY,
        responses=[401])
@login_required
def stats():
    store = get_store()
    return {**store.flag_counts(), "apps": store.count_apps(),
            "apps_minor": store.count_apps(minor_only=True)}
