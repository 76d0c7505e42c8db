"""Dashboard counts and charts, apps used by minors, runs; lead exports."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.web.conftest import seed_flag, seed_item


def test_dashboard_counts_charts_apps_and_runs(ann, seeded, store):
    store.upsert_app({"store": "demo-store", "app_id": "com.kid.game", "name": "<b>儿童乐园</b>",
                      "developer": "Kid Co", "downloads": 5000, "minor_relevant": True,
                      "minor_score": 0.9, "minor_reasons": ["age rating 4+"], "flag_counts": {"vulgar": 1}})
    store.upsert_app({"store": "demo-store", "app_id": "com.adult.app", "name": "Adult only",
                      "downloads": 10, "minor_relevant": False, "minor_score": 0.1})
    run = store.start_run("shop-a", trigger="schedule")
    store.finish_run(run, outcome="failed", stats={"patrol/pages/list": 4, "patrol/pages/detail": 3,
                                                   "patrol/items/shop": 3, "patrol/errors": 2}, exit_status=1,
                     reason="<script>x</script> site down")
    html = ann.get("/dashboard").text
    assert re.search(r'id="flags-total">线索 <strong>3</strong>', html)
    assert re.search(r'id="count-pending">待审核 <strong>3</strong>', html)
    assert '<g class="bar" data-label="vulgar" data-count="1">' in html
    assert '>低俗信息</text>' in html  # the bar's label in the campaign's words
    assert '<g class="bar" data-label="shop-a" data-count="1">' in html
    assert "&lt;b&gt;儿童乐园&lt;/b&gt;" in html and "age rating 4+" in html
    assert "Adult only" not in html
    assert "outcome-failed" in html and "&lt;script&gt;x&lt;/script&gt; site down" in html
    assert '<td class="num">7</td><td class="num">3</td><td class="num">2</td>' in html
    store.decide(seeded["app"], "ann", "confirmed", "explicit_content")
    html = ann.get("/dashboard").text
    assert re.search(r'id="count-confirmed">已确认 <strong>1</strong>', html)
    assert re.search(r'id="count-pending">待审核 <strong>2</strong>', html)


def _confirm_hostile(store, seeded):
    item = seed_item(store, url="https://shop.example/formula", kind="shop", source="=cmd|' /C calc'!A0",
                     title="=HYPERLINK(\"http://evil.example\",\"点我\")", text="+SUM(1,2) 盗版")
    flag_id = seed_flag(store, item, "unlicensed_publication", 0.99)
    store.decide(flag_id, "ann", "confirmed", "no_publication_licence", note="@SUM(A1)\x07 -2+3")
    store.decide(seeded["shop"], "ann", "confirmed", "no_publication_licence")
    return flag_id


def test_confirmed_csv_guards_formula_injection(lee, seeded, store):
    flag_id = _confirm_hostile(store, seeded)
    r = lee.get("/export/confirmed.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"  # once, not repeated
    assert "attachment;" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == [flag_id, seeded["shop"]]  # confirmed only, by score
    hostile = rows[0]
    assert hostile["title"] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert hostile["source"] == "'=cmd|' /C calc'!A0"
    assert hostile["note"].startswith("'@SUM(A1)")
    assert hostile["reason"] == "no_publication_licence" and hostile["analyst"] == "ann"
    for row in rows:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values())


def test_confirmed_xlsx_holds_text_not_formulas(lee, seeded, store):
    flag_id = _confirm_hostile(store, seeded)
    r = lee.get("/export/confirmed.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in ws[1]]
    values = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    assert [v["id"] for v in values] == [flag_id, seeded["shop"]]
    for row in ws.iter_rows(min_row=2):
        assert all(c.data_type != "f" for c in row)
    assert values[0]["title"] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert values[0]["note"] == "'@SUM(A1) -2+3"  # the control character dropped


def test_export_period_filter_and_bad_date(lee, seeded, store):
    _confirm_hostile(store, seeded)
    r = lee.get("/export/confirmed.csv?since=2000-01-01&until=2000-12-31")
    assert r.data.decode("utf-8-sig").strip().count("\n") == 0  # header only
    r = lee.get("/export/confirmed.csv?since=yesterday")
    assert r.status_code == 400 and "since：应为 YYYY-MM-DD 格式的日期" in r.text


def test_campaign_summary_page(lee, seeded, store):
    _confirm_hostile(store, seeded)
    html = lee.get("/export/summary").text
    assert re.search(r'id="summary-total">4<', html)
    assert "非法出版物/无证经营</td><td class=\"num\">2</td><td class=\"num\">2</td>" in html
    assert "低俗信息</td><td class=\"num\">1</td><td class=\"num\">0</td>" in html
    top = html.split("重点违规线索")[1]
    assert top.index("=HYPERLINK") < top.index("盗版书")  # by score
    assert "&lt;script&gt;" in top and "<script>alert" not in top
    assert "@media print" in lee.get("/static/console.css").text
