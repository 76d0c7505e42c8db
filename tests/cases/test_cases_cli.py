"""``patrol cases list|show|export|rebuild`` in process, on both stores."""

from __future__ import annotations

import csv

import openpyxl
from click.testing import CliRunner

from patrol.cli import cli
from tests.cases.conftest import flagged


def run(store_url, *args):
    result = CliRunner().invoke(cli, list(args), env={"PATROL_STORE": store_url}, catch_exceptions=False)
    return result


def test_cases_commands(store, store_url, crawl, tmp_path):
    crawl(flagged("http://a.example/1", "a", "电子书 微信：xbzl2025 支付宝：=cmd@pay.example.com"),
          flagged("http://b.example/2", "b", "网盘 V信 xbzl2025"))
    listed = run(store_url, "cases", "list")
    assert listed.exit_code == 0 and "1 cases" in listed.output and "wechat:xbzl2025" in listed.output
    case_id = store.list_cases()[0][0]["case_id"]
    shown = run(store_url, "cases", "show", case_id)
    assert shown.exit_code == 0 and "2 flags on 2 sites (a, b)" in shown.output
    out = tmp_path / "case.csv"
    assert run(store_url, "cases", "export", case_id, "-o", str(out)).exit_code == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][0] == "案件编号" and len(rows) == 3
    xlsx = tmp_path / "case.xlsx"
    assert run(store_url, "cases", "export", case_id, "--format", "xlsx", "-o", str(xlsx)).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet.max_row == 3
    with_evidence = run(store_url, "cases", "export", case_id, "-o", str(out), "--evidence", str(tmp_path / "ev"))
    assert with_evidence.exit_code == 0 and "evidence packages: 0 written" in with_evidence.output
    assert "not written" in with_evidence.output    # no capture of these pages was made
    rebuilt = run(store_url, "cases", "rebuild", "--extract")
    assert rebuilt.exit_code == 0 and "1 cases of 2 flags" in rebuilt.output
    missing = run(store_url, "cases", "show", "nope")
    assert missing.exit_code != 0 and "no case" in missing.output
