"""The review queue: filtered list of flags and "next" (atomic claim)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from patrol.store.base import CATEGORIES
from patrol.web.app import get_store, office_tz
from patrol.web.auth import login_required
from patrol.web.forms import ActionForm, FilterForm, day_bounds
from patrol.web.i18n import label

log = logging.getLogger(__name__)

bp = Blueprint("queue", __name__)

PAGE_SIZE = 50


def store_filters(form: FilterForm) -> dict:
    """The validated filter form as ``Store.list_flags`` keyword arguments."""
    since, until = day_bounds(form.since.data, form.until.data, office_tz())
    out = {"category": form.category.data or None, "status": form.status.data or None,
           "kind": form.kind.data or None, "recheck": form.recheck.data or None, "source": (form.source.data or "").strip() or None,
           "min_score": form.min_score.data, "max_score": form.max_score.data,
           "since": since, "until": until}
    return {k: v for k, v in out.items() if v is not None}


@bp.route("/")
@login_required
def index():
    form = FilterForm(request.args, meta={"csrf": False})
    error = None
    filters: dict = {}
    if request.args and not form.validate():
        error = form.error_line()
        return render_template("queue.html", form=form, flags=[], total=0, page=1, pages=1,
                               error=error, action=ActionForm(), query=""), 400
    if request.args:
        filters = store_filters(form)
    raw_page = request.args.get("page", "1").strip()
    if not raw_page.isdigit() or len(raw_page) > 9:  # "1e23", "-1", 10**23: not a page
        return render_template("queue.html", form=form, flags=[], total=0, page=1, pages=1,
                               error=_("page must be a whole number from 1 to 999999999, got %(raw)s",
                                       raw=repr(raw_page[:40])),
                               action=ActionForm(), query=""), 400
    page = max(1, int(raw_page))
    sort = form.sort.data or "-priority"
    flags, total = get_store().list_flags(**filters, sort=sort, skip=(page - 1) * PAGE_SIZE,
                                          limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "page"])
    return render_template("queue.html", form=form, flags=flags, total=total, page=page,
                           pages=pages, error=error, action=ActionForm(), query=query)


@bp.route("/next", methods=["POST"])
@login_required
def next_flag():
    """Claim the top pending flag (optionally within a category) and open it."""
    form = ActionForm()
    form.validate_on_submit()  # CSRFProtect already refused a POST without a valid token
    category = request.form.get("category") or None
    if category not in (None, *CATEGORIES):
        category = None
    flag = get_store().claim_next(g.user["username"], category=category)
    if flag is None:
        if category:
            flash(_("Nothing left to review in %(category)s.", category=label("category", category)), "info")
        else:
            flash(_("Nothing left to review."), "info")
        return redirect(url_for("queue.index"))
    log.info("%s claimed %s", g.user["username"], flag["id"])
    return redirect(url_for("flag.show", flag_id=flag["id"]))
