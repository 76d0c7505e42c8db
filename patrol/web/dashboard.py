"""The dashboard: flag counts with charts, apps used by minors, crawl runs."""

from __future__ import annotations

from flask import Blueprint, render_template

from patrol.web.app import get_store
from patrol.web.auth import login_required
from patrol.web.i18n import label
from patrol.web.render import bar_chart

bp = Blueprint("dashboard", __name__)

DAYS_SHOWN = 30
APPS_SHOWN = 200
RUNS_SHOWN = 30


def run_numbers(run: dict) -> dict:
    """Pages, items and errors of a run: the same numbers as ``patrol crawl``'s
    table and the run's reason (``pipelines.outcome.run_counts``)."""
    from pipelines.outcome import run_counts
    return run_counts(run.get("stats") or {})


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
        apps=store.list_apps(minor_only=True, limit=APPS_SHOWN),
        apps_total=store.count_apps(), apps_minor=store.count_apps(minor_only=True),
        runs=[(r, run_numbers(r)) for r in store.list_runs(limit=RUNS_SHOWN)])
