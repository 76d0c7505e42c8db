"""The dashboard (flag counts with charts, the top apps for minors, the latest
crawl runs) and the pages of their own: apps for minors and crawl runs, with
filters, sorting and paging."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from patrol.store.common import MAX_SKIP as RUNS_MAX_SKIP, RUN_OUTCOMES as OUTCOMES
from patrol.web.app import get_store
from patrol.web.auth import login_required
from patrol.web.i18n import label
from patrol.web.render import bar_chart

bp = Blueprint("dashboard", __name__)

DAYS_SHOWN = 30
APPS_SHOWN = 20
RUNS_SHOWN = 10
PAGE = 50
APP_SORTS = ("-downloads", "downloads", "-minor_score", "name", "-last_seen", "-first_seen")


def run_numbers(run: dict) -> dict:
    """Pages, items and errors of a run: the same numbers as ``patrol crawl``'s
    table and the run's reason (``pipelines.outcome.run_counts``)."""
    from pipelines.outcome import run_counts
    return run_counts(run.get("stats") or {})


def with_flags(apps: list[dict]) -> list[dict]:
    """Each app with the flags raised on its listing page (one grouped query
    for the page of apps): {"open", "confirmed", "dismissed", "escalated",
    "categories"}. The stored app has no flag counts of its own (the apps
    table's "flags" column was always empty)."""
    counts = get_store().flag_counts_for_urls([a["url"] for a in apps if a.get("url")])
    return [{**a, "flags": counts.get(a.get("url") or "")} for a in apps]


def _page_number() -> int:
    raw = request.args.get("page", "1").strip()
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        abort(400, _("page must be a whole number from 1 to 999999999, got %(raw)s", raw=repr(raw[:40])))
    return int(raw)


@bp.route("/dashboard")
@login_required
def index():
    store = get_store()
    counts = store.flag_counts()
    by_day = dict(sorted(counts.get("by_day", {}).items())[-DAYS_SHOWN:])
    charts = {
        "category": bar_chart(dict(sorted(counts.get("by_category", {}).items(), key=lambda kv: -kv[1])),
                              label=lambda k: label("category", k)),
        "status": bar_chart(dict(sorted(counts.get("by_status", {}).items(), key=lambda kv: -kv[1])),
                            label=lambda k: label("status", k)),
        "source": bar_chart(dict(sorted(counts.get("by_source", {}).items(), key=lambda kv: -kv[1]))),
        "day": bar_chart(by_day, limit=DAYS_SHOWN),
    }
    return render_template(
        "dashboard.html", counts=counts, charts=charts,
        apps=with_flags(store.list_apps(minor_only=True, limit=APPS_SHOWN)),
        apps_total=store.count_apps(), apps_minor=store.count_apps(minor_only=True),
        runs=[(r, run_numbers(r)) for r in store.list_runs(limit=RUNS_SHOWN)])


@bp.route("/apps")
@login_required
def apps():
    store = get_store()
    minor_only = request.args.get("all") != "1"
    app_store = (request.args.get("store") or "").strip() or None
    sort = request.args.get("sort") or "-downloads"
    if sort not in APP_SORTS:
        abort(400, _("sort: must be one of %(choices)s", choices=", ".join(APP_SORTS)))
    page = _page_number()
    rows = store.list_apps(minor_only=minor_only, store=app_store, sort=sort, skip=(page - 1) * PAGE,
                           limit=PAGE + 1)
    return render_template("apps.html", apps=with_flags(rows[:PAGE]), has_next=len(rows) > PAGE,
                           page=page, sort=sort, sorts=APP_SORTS, minor_only=minor_only,
                           store_filter=app_store or "", total=store.count_apps(minor_only=minor_only))


@bp.route("/runs")
@login_required
def runs():
    store = get_store()
    source = (request.args.get("source") or "").strip() or None
    outcome = request.args.get("outcome") or None
    if outcome not in (None, *OUTCOMES):
        abort(400, _("outcome: must be one of %(choices)s", choices=", ".join(OUTCOMES)))
    oldest_first = request.args.get("sort") == "started"
    page = _page_number()
    # Runs are one per crawl (thousands in a campaign, not millions): filtered,
    # ordered and paged by the store, offset paging.
    total = store.count_runs(source=source, outcome=outcome)
    chunk = store.list_runs(source=source, outcome=outcome, oldest_first=oldest_first,
                            skip=min((page - 1) * PAGE, RUNS_MAX_SKIP), limit=PAGE)
    return render_template("runs.html", runs=[(r, run_numbers(r)) for r in chunk], page=page,
                           has_next=total > page * PAGE, total=total, source=source or "",
                           outcome=outcome or "", outcomes=OUTCOMES, oldest_first=oldest_first)
