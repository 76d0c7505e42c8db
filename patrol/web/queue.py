"""The review queue at campaign size: search (``?q=``, the store's FTS5 /
regex search), substring filters on source and address, keyset paging (a
cursor, not OFFSET), saved filters per user, a lead's bulk actions on a
selection, and "next" (atomic claim)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from patrol.store.base import CATEGORIES
from patrol.store.common import StoreInputError
from patrol.web.app import get_store, office_tz
from patrol.web.auth import lead_required, login_required
from patrol.web.forms import ActionForm, BulkForm, FilterForm, SaveFilterForm, choice, day_bounds
from patrol.web.i18n import label
from patrol.web.render import REASON_CODES, default_reason, reason_label

log = logging.getLogger(__name__)

bp = Blueprint("queue", __name__)

PAGE_SIZE = 50
BULK_MAX = 500  # one request's selection; a page shows 50


def store_filters(form: FilterForm) -> dict:
    """The validated filter form as ``Store.page_flags`` keyword arguments."""
    since, until = day_bounds(form.since.data, form.until.data, office_tz())
    out = {"category": form.category.data or None, "status": form.status.data or None,
           "kind": form.kind.data or None, "recheck": form.recheck.data or None,
           "q": (form.q.data or "").strip() or None,
           "source_like": (form.source.data or "").strip() or None,
           "url_like": (form.url.data or "").strip() or None,
           "min_score": form.min_score.data, "max_score": form.max_score.data,
           "since": since, "until": until}
    return {k: v for k, v in out.items() if v is not None}


def _bulk_form() -> BulkForm:
    form = BulkForm(prefix="bulk")
    form.analyst.choices = [choice("", "")] + [choice(u["username"], u["username"])
                                               for u in get_store().list_users() if not u.get("disabled")]
    return form


def _render(form, flags, total, *, error=None, nxt=None, status=200):
    query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "after"])
    user = g.user["username"]
    return render_template(
        "queue.html", form=form, flags=flags, total=total, error=error, next_cursor=nxt,
        first_page=bool(request.args.get("after")), query=query, action=ActionForm(),
        saved=get_store().list_filters(user), save_form=SaveFilterForm(prefix="save"),
        bulk=_bulk_form() if g.user.get("role") == "lead" else None), status


@bp.route("/")
@login_required
def index():
    form = FilterForm(request.args, meta={"csrf": False})
    if request.args and not form.validate():
        return _render(form, [], 0, error=form.error_line(), status=400)
    filters = store_filters(form) if request.args else {}
    sort = form.sort.data or "-priority"
    try:
        page = get_store().page_flags(**filters, sort=sort, after=request.args.get("after") or None,
                                      limit=PAGE_SIZE)
    except StoreInputError as exc:  # a bad search or a cursor of another sort: say which
        return _render(form, [], 0, error=str(exc), status=400)
    return _render(form, page.flags, page.total, nxt=page.next)


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


def _back() -> str:
    query = request.form.get("back") or ""
    return url_for("queue.index") + (f"?{query}" if query and "\n" not in query else "")


@bp.route("/filters", methods=["POST"])
@login_required
def save_filter():
    form = SaveFilterForm(prefix="save")
    if not form.validate():
        abort(400, _("Filter not saved:") + " " + "; ".join(
            f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    query = (form.query.data or "").lstrip("?")
    get_store().save_filter(g.user["username"], form.name.data.strip(), query)
    flash(_("Filter “%(name)s” saved.", name=form.name.data.strip()), "ok")
    return redirect(url_for("queue.index") + (f"?{query}" if query else ""))


@bp.route("/filters/delete", methods=["POST"])
@login_required
def delete_filter():
    if not ActionForm().validate_on_submit():
        abort(400, _("Refused: the form is out of date. Reload the page and try again."))
    name = (request.form.get("name") or "").strip()
    get_store().delete_filter(g.user["username"], name)
    flash(_("Filter “%(name)s” deleted.", name=name), "ok")
    return redirect(url_for("queue.index"))


@bp.route("/bulk", methods=["POST"])
@lead_required
def bulk():
    """Dismiss, escalate or reassign the selected flags; each flag gets its own
    history entry (the store's bulk_decide/bulk_reassign go flag by flag)."""
    form = _bulk_form()
    if not form.validate():
        abort(400, _("Bulk action not done:") + " " + "; ".join(
            f"{form[k].label.text}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    ids = list(dict.fromkeys(i for i in request.form.getlist("flag") if i))
    if not ids:
        flash(_("Select at least one flag first."), "error")
        return redirect(_back())
    if len(ids) > BULK_MAX:
        abort(400, _("At most %(n)s flags at once.", n=BULK_MAX))
    store, actor, action = get_store(), g.user["username"], form.action.data
    note = (form.note.data or "").strip()
    if action == "reassign":
        if not form.analyst.data or form.analyst.data not in {c.value for c in form.analyst.choices}:
            abort(400, _("Analyst:") + " " + _("choose the analyst to hand the flags to"))
        results = store.bulk_reassign(ids, actor, form.analyst.data)
    else:
        reason = form.reason.data or default_reason(action, "")
        if reason not in {code for code, _text in REASON_CODES[action]}:
            abort(400, _("Reason:") + " " + _("that reason is not one for %(verdict)s",
                                                verdict=label("decision", action)))
        if reason.startswith("other_") and not note:
            abort(400, _("Note:") + " " + _("the reason “%(reason)s” needs a note saying why",
                                            reason=reason_label(reason)))
        results = store.bulk_decide(ids, actor, action, reason, note)
        from patrol.cases import on_decided
        for fid, outcome in results.items():
            if outcome == "ok":
                on_decided(store, store.get_flag(fid))
    done = [i for i, r in results.items() if r == "ok"]
    refused = {i: r for i, r in results.items() if r != "ok"}
    log.warning("%s bulk %s: %d done, %d refused", actor, action, len(done), len(refused))
    flash(_("%(done)s flags done (%(action)s).", done=len(done),
            action=label("decision", action) if action != "reassign" else _("Reassign")), "ok")
    if refused:
        flash(_("%(n)s not done:", n=len(refused)) + " " + "; ".join(
            f"{i[:12]}: {r}" for i, r in list(refused.items())[:20]), "error")
    return redirect(_back())
