"""The reports upward over HTTP: the summary DOCX opens with python-docx and
stays within 2,000 characters; the survey XLSX reads back with its headers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from patrol.reports import summary as summary_mod
from patrol.reports.survey import COLUMNS
from tests.web.conftest import seed_flag, seed_item


def _campaign(store, seeded, n=40):
    for i in range(n):
        item = seed_item(store, url=f"https://apps.example/a/{i}", kind="app", source="appstore",
                         title=f"少儿直播{i}" + "长标题" * 30, text="青少年模式 深夜福利",
                         app_id=f"a{i}")  # the listing; its app below
        fid = seed_flag(store, item, "vulgar", 0.5 + i / 100)
        store.decide(fid, "lee", "confirmed", "explicit_content", force=True)
        store.upsert_app({"store": "demo", "app_id": f"a{i}", "name": f"少儿直播{i}",
                          "developer": "=HYPERLINK(\"x\")", "category": "直播", "age_rating": "4+",
                          "downloads": 1000 + i, "minor_relevant": True, "minor_score": 0.8,
                          "minor_reasons": ["适用年龄 4+"], "url": item["url"],
                          "description": "已上线青少年模式" if i % 2 else "无"})


def test_summary_docx_opens_and_stays_within_the_limit(lee, store, seeded):
    _campaign(store, seeded)
    r = lee.get("/reports/summary.docx")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument"
                                                ".wordprocessingml.document")
    text = summary_mod.docx_text(r.data)
    assert len(text) <= summary_mod.MAX_CHARS
    assert "集中行动的总结" in text and "确认问题线索40条" in text
    assert "低俗信息" in text and "未成年人常用40款" in text


def test_edited_summary_is_kept_and_the_limit_enforced(lee, store, seeded):
    r = lee.post("/reports/summary.docx", data={"title": "总结", "text": "第一段\n第二段"})
    assert r.status_code == 200
    assert summary_mod.docx_text(r.data).split("\n") == ["总结", "第一段", "第二段"]
    r = lee.post("/reports/summary.docx", data={"title": "总结", "text": "字" * 2000})
    assert r.status_code == 400


def test_survey_xlsx_reads_back_with_its_headers(lee, store, seeded):
    _campaign(store, seeded, n=5)
    r = lee.get("/reports/survey.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [title for _, title in COLUMNS]
    apps = [row for row in rows[1:] if row[0] == "应用"]
    assert len(apps) == 5
    by_name = {row[1]: dict(zip([t for _, t in COLUMNS], row)) for row in apps}
    assert by_name["少儿直播1"]["青少年模式"] == "有（页面注明）"
    assert by_name["少儿直播2"]["青少年模式"] == "页面未注明"
    assert by_name["少儿直播1"]["已确认线索"] == 1 and by_name["少儿直播1"]["下载量"] == 1001
    assert by_name["少儿直播1"]["开发者/运营者"].startswith("'=")   # no formula from a crawled name
    sites = [row for row in rows[1:] if row[0] == "网站"]
    assert {row[1] for row in sites} >= {"shop-a", "news-x"}


def test_reports_are_for_leads(ann):
    assert ann.get("/reports/survey.xlsx").status_code == 403
    assert ann.get("/reports/summary.docx").status_code == 403
    assert ann.get("/reports/survey.xlsx?since=2026-13-01").status_code in (400, 403)


def test_summary_page_shows_the_draft_and_its_queries(lee, store, seeded):
    html = lee.get("/reports/summary").text
    assert "summary-text" in html and "store.flag_figures(" in html
    assert lee.get("/reports/summary/print").status_code == 200
    assert "未成年人常用应用和网站摸排表" in lee.get("/reports/survey").text
