"""Lead-only reports upward (patrol.reports): the survey (摸排表) as a
printable page, XLSX and PDF; the campaign summary draft, editable, as DOCX,
printable page and PDF. The figures come from store aggregations."""

from __future__ import annotations

import datetime as _dt
from urllib.parse import quote

from flask_babel import gettext as _
from flask import Blueprint, Response, abort, render_template, request, send_file, url_for

from patrol.errors import PatrolError
from patrol.reports import render, summary as summary_mod, survey as survey_mod
from patrol.reports.period import Period, from_dates
from patrol.web.app import get_store, office_tz
from patrol.web.auth import lead_required, login_required

bp = Blueprint("reports", __name__, url_prefix="/reports")



XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _period() -> Period:
    """``since``/``until`` (YYYY-MM-DD, office days) from the query string or form."""
    out = []
    for name in ("since", "until"):
        raw = (request.values.get(name) or "").strip()
        if not raw:
            out.append(None)
            continue
        try:
            out.append(_dt.date.fromisoformat(raw))
        except ValueError:
            abort(400, _("%(name)s: expected a date YYYY-MM-DD, got %(raw)s", name=name, raw=repr(raw[:40])))
    try:
        return from_dates(out[0], out[1], office_tz())
    except PatrolError as exc:
        abort(400, str(exc))


def _attachment(data: bytes, mimetype: str, name: str) -> Response:
    # RFC 6266/5987: the Chinese file name for browsers that read it, an ASCII one for the rest.
    ascii_name = name.encode("ascii", "ignore").decode() or "report"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


def _args(p: Period) -> dict:
    return {"since": p.first.isoformat() if p.first else None,
            "until": p.last.isoformat() if p.last else None}


@bp.route("/report.css")
@login_required
def css():
    return send_file(render.CSS, mimetype="text/css", max_age=300)


@bp.route("/survey")
@lead_required
def survey():
    p = _period()
    minor_only = request.args.get("all") != "1"
    html = render.survey_html(get_store(), p, minor_only=minor_only,
                              css_href=url_for("reports.css"))
    return Response(html, mimetype="text/html")


@bp.route("/survey.xlsx")
@lead_required
def survey_xlsx():
    p = _period()
    data = survey_mod.xlsx(get_store(), p, minor_only=request.args.get("all") != "1")
    return _attachment(data, XLSX, f"摸排表-{p.slug()}.xlsx")


@bp.route("/survey.pdf")
@lead_required
def survey_pdf():
    from patrol.reports.pdf import html_to_pdf
    p = _period()
    html = render.survey_html(get_store(), p, minor_only=request.args.get("all") != "1")
    return _attachment(html_to_pdf(html), "application/pdf", f"摸排表-{p.slug()}.pdf")


@bp.route("/summary")
@lead_required
def summary():
    p = _period()
    s = summary_mod.build(get_store(), p)
    return render_template("report_summary.html", s=s, period=p, args=_args(p),
                           chars=len(s.title) + 1 + len(s.text), limit=summary_mod.MAX_CHARS)


def _draft(p: Period) -> summary_mod.Summary:
    """The generated draft, or (POST) the analyst's edit of it, within the limit."""
    s = summary_mod.build(get_store(), p)
    if request.method == "POST":
        title = (request.form.get("title") or s.title).strip()
        text = (request.form.get("text") or "").replace("\r\n", "\n").strip()
        if not text:
            abort(400, _("text: the draft is empty"))
        if len(title) + 1 + len(text) > summary_mod.MAX_CHARS:
            abort(400, _("the summary must stay within %(limit)s characters; this one has %(n)s",
                         limit=summary_mod.MAX_CHARS, n=len(title) + 1 + len(text)))
        s = summary_mod.Summary(p, title, text, s.figures)
    return s


@bp.route("/summary.docx", methods=["GET", "POST"])
@lead_required
def summary_docx():
    p = _period()
    s = _draft(p)
    return _attachment(summary_mod.docx(s.title, s.text), DOCX, f"集中行动总结-{p.slug()}.docx")


@bp.route("/summary/print", methods=["GET", "POST"])
@lead_required
def summary_print():
    s = _draft(_period())
    return Response(render.summary_html(s, css_href=url_for("reports.css"), with_figures=True),
                    mimetype="text/html")


@bp.route("/summary.pdf", methods=["GET", "POST"])
@lead_required
def summary_pdf():
    from patrol.reports.pdf import html_to_pdf
    p = _period()
    s = _draft(p)
    return _attachment(html_to_pdf(render.summary_html(s)), "application/pdf",
                       f"集中行动总结-{p.slug()}.pdf")
