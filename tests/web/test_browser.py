"""The console in real Chromium (Debian's), driven by Playwright: log in, claim
the next flag with a keystroke, see the highlighted evidence, confirm with a
keystroke, see the dashboard count change, all with the Chinese labels a new
analyst sees by default; hostile content never runs."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import sync_playwright

from patrol import config
from patrol.web.auth import create_account
from patrol.web.serve import make_server
from tests.web.conftest import XSS_TEXT, XSS_TITLE, seed_flag, seed_item, term

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture
def console(tmp_path, monkeypatch):
    """A live console on 127.0.0.1 (port 0) over a SQLite store, with one analyst."""
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    app, server = make_server("127.0.0.1", 0, store_url=f"sqlite:///{tmp_path / 'patrol.db'}", threads=4)
    store = app.extensions["patrol_store"]
    create_account(store, "ann", "analyst", "ann-password")
    shop = seed_item(store, url="https://shop.example/1", kind="shop", source="shop-a",
                     title=XSS_TITLE, text=XSS_TEXT)
    flag_id = seed_flag(store, shop, "unlicensed_publication", 0.9,
                        terms=[term(XSS_TEXT, "盗版书"), term(XSS_TITLE, "盗版书", "title")],
                        snippet="出售盗版书籍<img src=x onerror=alert(9)>")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/", store, flag_id
    server.close()
    store.close()


@pytest.fixture
def page():
    with sync_playwright() as p:
        # Debian's Chromium (PATROL_CHROMIUM); empty means Playwright's own build.
        browser = p.chromium.launch(executable_path=config.get("PATROL_CHROMIUM") or None,
                                    headless=True, args=ARGS)
        context = browser.new_context()
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        context.close()
        browser.close()


def confirmed_count(page) -> int:
    return int(page.locator("#count-confirmed strong").inner_text())


def test_analyst_claims_sees_evidence_confirms_by_keystroke(console, page):
    base, store, flag_id = console
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    blocked: list[str] = []
    page.on("request", lambda r: blocked.append(r.url) if not r.url.startswith(base) else None)

    page.goto(base + "dashboard")
    assert page.url.startswith(base + "login")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", "ann-password")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('登录')")
    assert page.url == base + "dashboard"
    assert confirmed_count(page) == 0

    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url == f"{base}flags/{flag_id}"
    assert page.locator("article.flag").get_attribute("data-status") == "in_review"
    # In the campaign's words: category, status, the buttons and the reasons.
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("article.flag .cat").inner_text() == "非法出版物/无证经营"
    assert page.locator("article.flag .badge").first.inner_text() == "审核中"
    assert page.locator("button.confirm").inner_text().startswith("确认违规")
    assert page.locator("button.dismiss").inner_text().startswith("排除")
    assert "无有效许可证销售出版物" in page.locator("#decide-reason").inner_text()
    assert "Asia/Shanghai" in page.locator("#office-tz").inner_text()

    marks = page.locator(".item-text mark")
    assert marks.count() == 1 and marks.first.inner_text() == "盗版书"
    assert page.locator("h1.item-title mark").inner_text() == "盗版书"
    assert page.locator("blockquote.snippet mark").inner_text() == "盗版书"
    # The crawled markup is visible as text and did nothing.
    assert '<script>alert("title")</script>' in page.locator("h1.item-title").inner_text()
    assert page.title() != "pwned" and page.locator(".item-text script").count() == 0
    assert page.locator(".item-text a, .item-text img").count() == 0

    # Typing in the note does not trigger the shortcuts.
    page.click("textarea")
    page.keyboard.type("checked the cover")
    assert page.url == f"{base}flags/{flag_id}"
    page.locator("textarea").blur()

    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.locator("article.flag").get_attribute("data-status") == "confirmed"
    assert "处置已保存：已确认。" in page.locator(".flash-info").inner_text()
    flag = store.get_flag(flag_id)
    assert flag["status"] == "confirmed" and flag["decision"]["analyst"] == "ann"
    assert flag["decision"]["note"] == "checked the cover"

    page.goto(base + "dashboard")
    assert confirmed_count(page) == 1
    assert page.locator('g.bar[data-label="confirmed"]').get_attribute("data-count") == "1"
    assert dialogs == [] and blocked == []


@pytest.fixture
def campaign(tmp_path, monkeypatch):
    """A live console with an analyst, a second analyst and a lead, three flags,
    and the flag page's lease ping every second (PATROL_LEASE_RENEW_SECONDS)."""
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    app, server = make_server("127.0.0.1", 0, store_url=f"sqlite:///{tmp_path / 'patrol.db'}", threads=4)
    app.config["PATROL_LEASE_RENEW_SECONDS"] = 1
    store = app.extensions["patrol_store"]
    for name, role in (("ann", "analyst"), ("bob", "analyst"), ("lee", "lead")):
        create_account(store, name, role, f"{name}-password")
    ids = {}
    for key, text, category, score in (("shop", "本店出售盗版教辅，扫码加微信。", "unlicensed_publication", 0.9),
                                       ("live", "深夜福利直播，私密直播间等你来。", "vulgar", 0.8),
                                       ("news", "本站新闻来源：某某通讯社授权转载。", "fake_media", 0.7)):
        item = seed_item(store, url=f"https://{key}.example/1", kind="page", source=f"{key}-site",
                         title=f"{key} 页面", text=text)
        ids[key] = seed_flag(store, item, category, score)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/", store, ids
    server.close()
    store.close()


def login(page, base, name):
    page.goto(base + "login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", f"{name}-password")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('登录')")


def test_search_finds_a_flag_by_a_word_of_its_text(campaign, page):
    base, store, ids = campaign
    login(page, base, "ann")
    assert page.locator("tr.flag-row").count() == 3
    page.fill("#q", "私密直播间")
    with page.expect_navigation():
        page.click("#filter-form button[type=submit]")
    assert page.locator("tr.flag-row").count() == 1
    assert page.locator("tr.flag-row").get_attribute("data-flag-id") == ids["live"]
    assert page.locator("tr.flag-row .cat").inner_text() == "低俗信息"


def test_bulk_dismissal_by_a_lead(campaign, page):
    base, store, ids = campaign
    login(page, base, "lee")
    page.check(f'input.select-flag[value="{ids["shop"]}"]')
    page.check(f'input.select-flag[value="{ids["news"]}"]')
    page.select_option("#bulk-action", "dismissed")
    page.select_option("#bulk-reason", "out_of_scope")
    with page.expect_navigation():
        page.click("#bulk-form button[type=submit]")
    assert "已完成 2 条（排除）。" in page.locator(".flash").first.inner_text()
    for key in ("shop", "news"):
        flag = store.get_flag(ids[key])
        assert flag["status"] == "dismissed" and flag["history"][-1]["actor"] == "lee"
    assert store.get_flag(ids["live"])["status"] == "pending"


def test_lease_renewed_while_the_page_stays_open_then_lost(campaign, page):
    base, store, ids = campaign
    login(page, base, "ann")
    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url == f"{base}flags/{ids['shop']}"
    first = store.get_flag(ids["shop"])["claim"]["lease_until"]
    # Polled from here: the page's CSP (no eval) keeps Playwright's wait_for_function out.
    for _ in range(80):
        if int(page.locator("article.flag").get_attribute("data-renewed") or 0) >= 2:
            break
        page.wait_for_timeout(250)
    assert int(page.locator("article.flag").get_attribute("data-renewed") or 0) >= 2
    flag = store.get_flag(ids["shop"])
    assert flag["claim"]["analyst"] == "ann" and flag["claim"]["lease_until"] > first
    assert [h["action"] for h in flag["history"]].count("renewed") >= 2
    # A lead hands it to bob: the next ping says the lease is lost, and the keys no longer decide.
    store.reassign(ids["shop"], "lee", "bob")
    page.wait_for_selector("#lease-lost:not([hidden])", timeout=20_000)
    assert "认领已失效" in page.locator("#lease-lost").inner_text()
    assert "bob" in page.locator("#lease-lost").inner_text()
    page.keyboard.press("c")
    page.wait_for_timeout(500)
    assert store.get_flag(ids["shop"])["status"] == "in_review"  # no decision was sent
    assert page.locator("button.confirm").is_disabled()


def test_a_disabled_account_is_logged_out_on_its_next_request(campaign, page):
    base, store, ids = campaign
    login(page, base, "ann")
    assert page.url == base and page.locator(".who").inner_text().startswith("ann")
    store.set_disabled("ann", True)
    page.goto(base + "dashboard")
    assert page.url.startswith(base + "login")
    assert page.locator(".who").count() == 0
