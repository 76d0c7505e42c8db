"""``patrol report survey|summary --period … -o FILE`` in process, on a real store."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from patrol.cli import cli
from patrol.errors import PatrolError
from patrol.reports import summary as summary_mod
from patrol.reports.period import parse_period
from patrol.reports.survey import COLUMNS
from patrol.store import open_store

SH = ZoneInfo("Asia/Shanghai")


def test_periods():
    p = parse_period("2026-Q4", SH)
    assert (p.first, p.last) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert p.since == dt.datetime(2026, 9, 30, 16, tzinfo=dt.timezone.utc)   # office midnight
    assert parse_period("2026-02", SH).last == dt.date(2026, 2, 28)
    assert parse_period("2026-09-01..2026-11-30", SH).label() == "2026年9月1日至2026年11月30日"
    assert parse_period("", SH).since is None
    for bad in ("2026-13", "last week", "2026-11-30..2026-09-01"):
        with pytest.raises(PatrolError):
            parse_period(bad, SH)


@pytest.fixture
def filled(store_url, monkeypatch):
    monkeypatch.setenv("PATROL_STORE", store_url)
    monkeypatch.setenv("PATROL_TIMEZONE", "Asia/Shanghai")
    with open_store(store_url) as store:
        for i in range(3):
            url = f"https://apps.example/{i}"
            fid = store.raise_flag(url=url, category="vulgar", score=0.9, priority=0.9,
                                   verdict="review", evidence={"snippet": "深夜福利"},
                                   model_version="m", content_hash=f"h{i}", source="appstore",
                                   kind="app", title=f"直播{i}").flag_id
            if i:
                store.decide(fid, "lee", "confirmed", "explicit_content", force=True)
            store.upsert_app({"store": "demo", "app_id": f"a{i}", "name": f"直播{i}",
                              "minor_relevant": True, "minor_score": 0.7, "url": url,
                              "category": "直播"})
    return store_url


def test_report_commands(filled, tmp_path):
    runner = CliRunner()
    today = dt.datetime.now(SH).date()
    period = f"{today - dt.timedelta(days=1)}..{today}"
    out = tmp_path / "总结.docx"
    r = runner.invoke(cli, ["report", "summary", "--period", period, "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = summary_mod.docx_text(out.read_bytes())
    assert len(text) <= 2000 and "确认问题线索2条" in text and "发现疑似问题线索3条" in text
    r = runner.invoke(cli, ["report", "summary", "--period", period, "-o", str(tmp_path / "f.json")])
    figures = {f["key"]: f for f in json.loads((tmp_path / "f.json").read_text())["figures"]}
    assert figures["confirmed"]["value"] == 2 and "flag_figures" in figures["confirmed"]["query"]
    r = runner.invoke(cli, ["report", "summary", "--period", "2020-01", "-o", str(tmp_path / "e.txt")])
    assert "发现疑似问题线索0条" in (tmp_path / "e.txt").read_text()
    xlsx = tmp_path / "survey.xlsx"
    r = runner.invoke(cli, ["report", "survey", "--period", period, "-o", str(xlsx)])
    assert r.exit_code == 0, r.output
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert list(rows[0]) == [t for _, t in COLUMNS] and len([x for x in rows if x[0] == "应用"]) == 3
    r = runner.invoke(cli, ["report", "survey", "--period", "soon", "-o", str(xlsx)])
    assert r.exit_code == 2 and "period" in r.output
    r = runner.invoke(cli, ["report", "survey", "-o", str(tmp_path / "x.doc")])
    assert r.exit_code == 2
