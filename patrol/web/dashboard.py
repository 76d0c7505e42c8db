"""The dashboard: flag counts with charts, apps used by minors, crawl runs."""

from __future__ import annotations

from flask import Blueprint, render_template

from patrol.web.app import get_store
from patrol.web.auth import login_required
from patrol.web.render import bar_chart

bp = Blueprint("dashboard", __name__)

DAYS_SHOWN = 30
APPS_SHOWN = 200
RUNS_SHOWN = 30


def run_numbers(run: dict) -> dict:
    """Pages, items and errors of a run from its crawl stats (the same keys
    ``patrol crawl`` prints: patrol/pages/*, patrol/items/*, patrol/errors)."""
    st = {k: v for k, v in (run.get("stats") or {}).items() if isinstance(v, (int, float))}
    pages = sum(v for k, v in st.items() if k.startswith("patrol/pages/"))
    items = sum(v for k, v in st.items() if k.startswith("patrol/items/"))
    return {"pages": int(pages or st.get("response_received_count", 0)),
            "items": int(items or st.get("item_scraped_count", 0)),
            "errors": int(st.get("patrol/errors", 0))}


@bp.route("/dashboard")
@login_required
def index():
    store = get_store()
    counts = store.flag_counts()
    by_day = dict(sorted(counts.get("by_day", {}).items())[-DAYS_SHOWN:])
    charts = {
        "category": bar_chart(dict(sorted(counts.get("by_category", {}).items(), key=lambda kv: -kv[1]))),
        "status": bar_chart(dict(sorted(counts.get("by_status", {}).items(), key=lambda kv: -kv[1]))),
        "source": bar_chart(dict(sorted(counts.get("by_source", {}).items(), key=lambda kv: -kv[1]))),
        "day": bar_chart(by_day, limit=DAYS_SHOWN),
    }
    return render_template(
        "dashboard.html", counts=counts, charts=charts,
        apps=store.list_apps(minor_only=True, limit=APPS_SHOWN),
        apps_total=store.count_apps(), apps_minor=store.count_apps(minor_only=True),
        runs=[(r, run_numbers(r)) for r in store.list_runs(limit=RUNS_SHOWN)])
