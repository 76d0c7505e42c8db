"""The console in Chinese by default, English by an account's choice; the
catalogues cover every string of the templates and the console's code."""

from __future__ import annotations

import re

import pytest

from patrol.web import i18n_catalog as ic
from patrol.web.i18n import LOCALES
from tests.web.conftest import User

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted():
    return {m.id for m in ic.extract() if m.id}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_of_the_console_has_a_translation(extracted, locale):
    catalog = ic.read(locale)
    have = {m.id: m.string for m in catalog if m.id}
    missing = sorted(extracted - set(have))
    assert not missing, f"{ic.po_path(locale)}: not in the catalogue (run scripts/i18n): {missing}"
    empty = sorted(i for i in extracted if not have[i])
    assert not empty, f"{ic.po_path(locale)}: no translation for {empty}"
    for msgid in extracted:
        assert set(PLACEHOLDER.findall(have[msgid])) == set(PLACEHOLDER.findall(msgid)), \
            f"{ic.po_path(locale)}: {msgid!r} and its translation name different placeholders"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_the_po_file(locale):
    mo = ic.po_path(locale).with_suffix(".mo")
    assert mo.is_file(), f"{mo} missing: run scripts/i18n"
    assert mo.read_bytes() == ic.mo_bytes(ic.read(locale)), f"{mo} is older than its .po: run scripts/i18n"


def test_the_extractor_sees_a_template_string_without_translation(tmp_path, monkeypatch):
    # The check above can fail: a new string in a template is extracted and is not in the catalogue.
    root = tmp_path / "web"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "x.html").write_text("<p>{{ _('A string nobody translated') }}</p>")
    monkeypatch.setattr(ic, "WEB", root)
    ids = {m.id for m in ic.extract() if m.id}
    assert ids == {"A string nobody translated"}
    assert "A string nobody translated" not in {m.id for m in ic.read("zh_Hans")}


LEAD_PAGES = ["/", "/?q=x", "/dashboard", "/apps", "/apps?all=1", "/runs", "/cases/", "/accounts",
              "/export/summary", "/reports/summary",
              "/flags/{shop}", "/flags/{news}", "/no-such-page"]


def _pages(seeded):
    return [p.format(**seeded) for p in LEAD_PAGES]


def test_chinese_is_the_default(lee, seeded):
    for path in _pages(seeded):
        r = lee.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert '<html lang="zh-CN">' in r.text, path
        assert "页面时间均为办公地时间（Asia/Shanghai）" in r.text, path
        assert "审核队列" in r.text, path  # the nav
        for english in ("Log out", "Dashboard", "Next flag", "Review queue"):
            assert english not in r.text, (path, english)
    queue = lee.get("/").text
    assert "非法出版物/无证经营" in queue and "低俗信息" in queue and "假媒体假记者/有偿删帖" in queue
    assert "unlicensed_publication</span>" not in queue and "unlicensed publication" not in queue
    flag = lee.get(f"/flags/{seeded['shop']}").text
    assert "确认违规" in flag and "排除" in flag and "上报" in flag and "无有效许可证销售出版物" in flag


def test_english_is_a_choice_of_the_account(app, lee, seeded):
    r = lee.post("/language", data={"locale": "en", "next": "/dashboard"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    for path in _pages(seeded):
        r = lee.get(path)
        assert '<html lang="en">' in r.text, path
        assert "All times are office time (Asia/Shanghai)." in r.text, path
        assert "Log out" in r.text and "退出登录" not in r.text, path
    assert "Illegal publications / unlicensed selling" in lee.get("/").text
    # It is the account's choice: a new login keeps it, another account stays Chinese.
    again = User(app, "lee")
    assert '<html lang="en">' in again.get("/").text
    assert '<html lang="zh-CN">' in User(app, "ann").get("/").text
    assert app.extensions["patrol_store"].get_user("lee")["locale"] == "en"
    back = lee.post("/language", data={"locale": "zh_Hans"})
    assert back.status_code == 302 and '<html lang="zh-CN">' in lee.get("/").text


def test_language_choice_before_login_and_bad_choice(app, accounts):
    client = app.test_client()
    page = client.get("/login").text
    assert "登录" in page and "English" in page
    from tests.web.conftest import csrf_of
    r = client.post("/language", data={"locale": "en", "csrf_token": csrf_of(page), "next": "/login"})
    assert r.status_code == 302
    assert "Log in" in client.get("/login").text
    bad = client.post("/language", data={"locale": "fr", "csrf_token": csrf_of(page)})
    assert bad.status_code == 400 and "locale" in bad.text


def test_api_answers_in_english(app, ann, seeded):
    r = app.test_client().get("/api/flags")
    assert r.status_code == 401 and "Log in first" in r.get_json()["message"]


def test_day_buckets_follow_the_office_time_zone(tmp_path, monkeypatch):
    """A flag raised at 23:30 UTC is counted on the next day in Asia/Shanghai
    (the dashboard, the API's stats, ``patrol queue stats``), and on its own
    day when the office keeps UTC. On SQLite, whose clock a test can set (the
    MongoDB-compatible store takes the server's time); the bucket is the same
    ``day_of`` on both (asserted below)."""
    import datetime as _dt

    from patrol.store import common, open_store
    from patrol.web import create_app
    from patrol.web.auth import create_account
    from tests.web.conftest import PASSWORDS, seed_flag, seed_item

    late = _dt.datetime(2026, 5, 1, 23, 30, tzinfo=_dt.timezone.utc)
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATROL_TIMEZONE", "Asia/Shanghai")
    assert common.day_of(late) == "2026-05-02"
    url = f"sqlite:///{tmp_path / 'tz.db'}"
    with open_store(url, clock=lambda: late) as clocked:
        item = seed_item(clocked, url="https://late.example/1", kind="page", source="late",
                         title="深夜", text="深夜福利")
        late_id = seed_flag(clocked, item, "vulgar", 0.8)
        monkeypatch.setenv("PATROL_TIMEZONE", "UTC")
        assert common.day_of(late) == "2026-05-01"
        item2 = seed_item(clocked, url="https://late.example/2", kind="page", source="late",
                          title="深夜", text="深夜福利")
        seed_flag(clocked, item2, "vulgar", 0.8)
        create_account(clocked, "lee", "lead", PASSWORDS["lee"])
    monkeypatch.setenv("PATROL_TIMEZONE", "Asia/Shanghai")
    app = create_app(url, secret_key="test-secret-key")
    try:
        assert app.extensions["patrol_store"].flag_counts()["by_day"] == {"2026-05-02": 1, "2026-05-01": 1}
        lee = User(app, "lee")
        assert 'data-label="2026-05-02" data-count="1"' in lee.get("/dashboard").text
        # The queue's date filter reads office days too: 2026-05-02 holds the 23:30 UTC flag.
        assert f'data-flag-id="{late_id}"' in lee.get("/?since=2026-05-02&until=2026-05-02").text
        assert f'data-flag-id="{late_id}"' not in lee.get("/?since=2026-05-01&until=2026-05-01").text
    finally:
        app.extensions["patrol_store"].close()
