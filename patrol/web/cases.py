"""Console pages of linked cases (``patrol.cases``): the case list, one case
across its sites with its joining identifiers highlighted, confirming its
flags one by one, and the lead's export; plus the "linked cases" panel of the
flag page (the template global ``linked_cases``)."""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from patrol.cases import on_decided
from patrol.cases.views import export_rows, linked_for_flag, list_cases, load_case
from patrol.export import write_table
from patrol.web.app import get_store
from patrol.web.auth import lead_required, login_required
from patrol.web.forms import ActionForm
from patrol.web.render import default_reason

log = logging.getLogger(__name__)

bp = Blueprint("cases", __name__, url_prefix="/cases")
PAGE = 50


@bp.record_once
def _install(state) -> None:
    env = state.app.jinja_env
    env.globals["linked_cases"] = _linked_cases
    env.filters["mark_ident"] = mark_ident


def _linked_cases(flag_id: str) -> dict | None:
    try:
        return linked_for_flag(get_store(), flag_id)
    except Exception:  # the flag page must show even if the cases cannot be read
        log.exception("linked cases of %s", flag_id)
        return None


def mark_ident(passage: str, raw: str) -> Markup:
    """``passage`` (crawled, hostile) escaped, with the identifier ``raw`` in <mark>."""
    passage, raw = str(passage or ""), str(raw or "")
    at = passage.find(raw) if raw else -1
    if at < 0:
        return escape(passage)
    return (escape(passage[:at]) + Markup('<mark class="ident">') + escape(raw) + Markup("</mark>")
            + escape(passage[at + len(raw):]))


@bp.route("/")
@login_required
def index():
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10**6))
    except ValueError:
        abort(400, _("page: expected a whole number"))
    rows, total = list_cases(get_store(), skip=(page - 1) * PAGE, limit=PAGE)
    return render_template("cases/list.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE)))


@bp.route("/<ident>")
@login_required
def show(ident: str):
    case = load_case(get_store(), ident)
    if case is None:
        abort(404, _("No such case (or the flag belongs to none)."))
    return render_template("cases/case.html", case=case, action=ActionForm())


@bp.route("/<ident>/confirm/<flag_id>", methods=["POST"])
@login_required
def confirm(ident: str, flag_id: str):
    """Confirm one flag of the case (pending, or held by this analyst)."""
    if not ActionForm().validate():
        abort(400, _("Refused: the form is stale. Reload the page and try again."))
    store = get_store()
    case = load_case(store, ident)
    if case is None or flag_id not in {m["flag_id"] for m in case["members"]}:
        abort(404, _("That flag is not in this case."))
    flag = store.get_flag(flag_id)
    flag = store.decide(flag_id, g.user["username"], "confirmed",
                        default_reason("confirmed", flag["category"]), f"confirmed from case {case['id']}")
    on_decided(store, flag)
    log.info("%s confirmed %s from case %s", g.user["username"], flag_id, case["id"])
    flash(_("Flag %(id)s confirmed.", id=flag_id[:12]), "info")
    return redirect(url_for("cases.show", ident=case["id"]))


@bp.route("/<ident>/export.<fmt>")
@lead_required
def export(ident: str, fmt: str):
    from patrol.cli.cases_cmds import CASE_COLUMNS
    if fmt not in ("csv", "xlsx"):
        abort(404)
    case = load_case(get_store(), ident)
    if case is None:
        abort(404, _("No such case."))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"case.{fmt}"
        write_table(export_rows(case), CASE_COLUMNS, fmt, path, sheet="关联案件")
        data = io.BytesIO(path.read_bytes())
    mimetype = "text/csv" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data.getvalue(), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="case-{case["id"]}.{fmt}"'})
