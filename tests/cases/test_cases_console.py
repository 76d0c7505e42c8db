"""The console's case pages, in process over a real app and store (both
backends): the flag page's "linked cases", the case page with its joining
identifiers highlighted, confirming one by one, a dismissal dropping a flag
out, hostile text escaped, and the lead's CSV/XLSX export."""

from __future__ import annotations

import io

import openpyxl

from patrol.store.common import flag_id
from pipelines.store import write_records
from tests.cases.conftest import flagged
from tests.web.conftest import User, accounts, app, store  # noqa: F401  (fixtures)

CAT = "unlicensed_publication"
HOSTILE = '<script>alert(1)</script>'


def seed(store):  # noqa: F811
    write_records(store, [
        flagged("http://a.example/1", "shop-a", f"电子书网盘发货 {HOSTILE} 微信：xbzl2025 付款"),
        flagged("http://b.example/2", "shop-b", "全套PDF 加V信 ｘｂｚｌ２０２５ 秒发"),
        flagged("http://c.example/3", "shop-c", "电子书 微信 xbzl2025 网盘")])
    return [flag_id(u, CAT) for u in ("http://a.example/1", "http://b.example/2", "http://c.example/3")]


def test_flag_page_case_page_confirm_and_dismiss(app, store, accounts):  # noqa: F811
    a, b, c = seed(store)
    ann = User(app, "ann")
    page = ann.get(f"/flags/{a}")
    assert page.status_code == 200
    assert "关联案件" in page.text and 'data-flag-id="' + b + '"' in page.text
    assert '<mark class="ident">ｘｂｚｌ２０２５</mark>' in page.text        # as the other shop wrote it
    assert '<mark class="ident">xbzl2025</mark>' in page.text
    case_id = store.find_links(flag_ids=[a])[0]["case_id"]
    case = ann.get(f"/cases/{case_id}")
    assert case.status_code == 200 and "shop-a, shop-b, shop-c" in case.text
    assert HOSTILE not in case.text and HOSTILE not in page.text
    assert "wechat" in case.text and "据此关联" in case.text
    assert ann.get("/cases/").status_code == 200 and case_id in ann.get("/cases/").text

    confirmed = ann.post(f"/cases/{case_id}/confirm/{b}")
    assert confirmed.status_code == 302
    assert store.get_flag(b)["status"] == "confirmed"
    assert store.get_flag(a)["status"] == "pending"          # one by one

    ann.post(f"/flags/{c}/claim")
    r = ann.post(f"/flags/{c}/decide", data={"decide-verdict": "dismissed", "decide-reason": "",
                                             "decide-note": ""})
    assert r.status_code == 302, r.text
    assert store.find_entities(flag_ids=[c]) == []
    after = ann.get(f"/cases/{case_id}")
    assert 'data-flag-id="' + c + '"' not in after.text and 'data-flag-id="' + b + '"' in after.text

    assert ann.get(f"/cases/{case_id}/export.csv").status_code == 403   # leads only


def test_lead_exports_a_case(app, store, accounts):  # noqa: F811
    a, b, c = seed(store)
    lee = User(app, "lee")
    case_id = store.find_links(flag_ids=[a])[0]["case_id"]
    csv_resp = lee.get(f"/cases/{case_id}/export.csv")
    assert csv_resp.status_code == 200
    text = csv_resp.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("案件编号") and len(text.strip().splitlines()) == 4
    xlsx = lee.get(f"/cases/{b}/export.xlsx")          # a member flag id works too
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 4
    assert lee.get("/cases/nope").status_code == 404
