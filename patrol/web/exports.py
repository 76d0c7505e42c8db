"""Lead-only exports: confirmed cases as CSV and XLSX, and the printable
campaign summary for the office's periodic reports."""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections import Counter
from typing import Iterator

from flask_babel import gettext as _
from flask import Blueprint, Response, abort, render_template, request
from openpyxl import Workbook
from openpyxl.styles import Font

from patrol.export import guard_text
from patrol.store.base import utcnow
from patrol.web.app import get_store, office_tz
from patrol.web.auth import lead_required
from patrol.web.forms import day_bounds
from patrol.web.render import REASON_LABELS, fmt_dt

bp = Blueprint("exports", __name__, url_prefix="/export")

COLUMNS = ("id", "category", "score", "verdict", "model_version", "source", "kind", "title", "url",
           "created_at", "decided_at", "analyst", "reason", "note")
TOP_CASES = 20


def cell(value) -> object:
    """A value safe for a spreadsheet cell: crawled strings that a spreadsheet
    would run as a formula (= + - @, tab, CR first) get a leading apostrophe."""
    if isinstance(value, _dt.datetime):
        return fmt_dt(value)
    return guard_text(value)


def _period() -> tuple[_dt.date | None, _dt.date | None]:
    """``since``/``until`` (YYYY-MM-DD) from the query string; 400 naming the bad one."""
    out = []
    for name in ("since", "until"):
        raw = request.args.get(name, "").strip()
        if not raw:
            out.append(None)
            continue
        try:
            out.append(_dt.date.fromisoformat(raw))
        except ValueError:
            abort(400, _("%(name)s: expected a date YYYY-MM-DD, got %(raw)s", name=name, raw=repr(raw[:40])))
    return out[0], out[1]


def iter_flags(**filters) -> Iterator[dict]:
    """Every flag matching ``filters`` by descending score, in keyset pages
    (OFFSET paging read the table quadratically: issue 18)."""
    store, after = get_store(), None
    while True:
        page = store.page_flags(**filters, sort="-score", after=after, limit=500, with_total=False)
        yield from page.flags
        if page.next is None:
            return
        after = page.next


def confirmed_rows() -> Iterator[list]:
    since, until = day_bounds(*_period(), office_tz())
    for f in iter_flags(status="confirmed", since=since, until=until):
        d = f.get("decision") or {}
        yield [cell(v) for v in (f["id"], f["category"], round(float(f.get("score") or 0), 4),
                                 f.get("verdict"), f.get("model_version"), f.get("source"),
                                 f.get("kind"), f.get("title"), f.get("url"), f.get("created_at"),
                                 d.get("at"), d.get("analyst"), d.get("reason"), d.get("note"))]


def _filename(ext: str) -> str:
    return f"patrol-confirmed-{utcnow().astimezone(office_tz()):%Y%m%d}.{ext}"


@bp.route("/confirmed.csv")
@lead_required
def confirmed_csv():
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(confirmed_rows())
    # UTF-8 with BOM so spreadsheet programs read the Chinese text correctly. The
    # mimetype is bare: Flask adds "; charset=utf-8" to text/* itself (it was doubled).
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={_filename('csv')}"})


@bp.route("/confirmed.xlsx")
@lead_required
def confirmed_xlsx():
    wb = Workbook()
    ws = wb.active
    ws.title = "confirmed"
    ws.append(COLUMNS)
    for row in confirmed_rows():
        ws.append(row)  # cells went through guard_text: no control characters left
    for c in ws[1]:
        c.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename('xlsx')}"})


@bp.route("/summary")
@lead_required
def summary():
    since_d, until_d = _period()
    since, until = day_bounds(since_d, until_d, office_tz())
    # One aggregation and one page of the top cases, not a read of every flag (issue 18).
    store = get_store()
    figs = store.flag_figures(since=since, until=until)
    by_category, by_source, by_status = Counter(), Counter(figs["by_source"]), Counter()
    confirmed_by_category: Counter = Counter()
    for category, statuses in figs["by_category_status"].items():
        for status, n in statuses.items():
            by_category[category] += n
            by_status[status] += n
            if status == "confirmed":
                confirmed_by_category[category] += n
    top = store.page_flags(status="confirmed", since=since, until=until, sort="-score",
                           limit=TOP_CASES, with_total=False).flags
    return render_template(
        "summary.html", since=since_d, until=until_d, generated=utcnow(),
        by_category=by_category.most_common(), by_source=by_source.most_common(),
        by_status=by_status.most_common(), confirmed_by_category=confirmed_by_category,
        total=sum(by_category.values()), top=top, reason_labels=REASON_LABELS)
