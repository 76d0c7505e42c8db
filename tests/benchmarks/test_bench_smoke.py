"""The full-pipeline benchmark runs end to end on a small site: both crawls
fetch every page, the full crawl classifies and stores every item in the
MongoDB-compatible server, and the summary has the keys the README reports.
Nothing here looks at speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = 60
LISTINGS = 2  # 50 detail links per listing page


def test_pipeline_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pipeline" / "bench.py"),
                           "--pages", str(PAGES), "--rounds", "1", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(out.read_text(encoding="utf-8"))
    for key in ("date", "machine", "site", "settings", "bare_pages_per_s", "full_pages_per_s",
                "store_only_pages_per_s", "ratio_full_to_bare", "ratio_store_only_to_bare",
                "full_peak_rss_mb", "goal", "runs"):
        assert key in summary, key
    for key in ("nproc", "cpu_model", "ram_gb"):
        assert key in summary["machine"], key
    expected = PAGES + LISTINGS + 1  # with robots.txt
    assert summary["site"]["responses_expected"] == expected
    assert summary["all_pages_crawled"] is True
    assert summary["settings"]["DOWNLOAD_DELAY"] == "0"
    assert summary["settings"]["AUTOTHROTTLE_ENABLED"] == "0"
    (bare,), (full,), (store_only,) = (summary["runs"][k] for k in ("bare", "full", "store_only"))
    for run in (bare, full, store_only):
        assert run["pages"] == expected
        assert run["exit"] == 0
        assert run["errors"] == 0
        assert run["pages_per_s"] > 0
        assert run["peak_rss_mb"] > 0
    items = PAGES + LISTINGS
    assert bare["items"] == items
    # The full run classified and stored every item; store-only classified none.
    assert full["classified"] == items
    assert full["store_items"] == items
    assert full["items_written"] == items
    assert full["spooled"] == 0
    assert store_only["classified"] == 0
    assert store_only["store_items"] == items
    assert store_only["flags_by_category"] == {}
    assert summary["full_peak_rss_mb"] == full["peak_rss_mb"]
    assert summary["ratio_full_to_bare"] == round(full["pages_per_s"] / bare["pages_per_s"], 3)
