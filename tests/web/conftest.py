"""Fixtures of the review-console tests: a real app over a real store (the
``store_url`` fixture of tests/conftest.py), real accounts, hostile seed data
put in through the Store API."""

from __future__ import annotations

import re

import pytest

from patrol.items import content_hash
from patrol.web import create_app
from patrol.web.auth import create_account

PASSWORDS = {"ann": "ann-password", "bob": "bob-password", "lee": "lee-password"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

XSS_TITLE = '<script>alert("title")</script>盗版书 <img src=x onerror=alert(1)>'
XSS_TEXT = ('本店出售盗版书籍，全场包邮。<script>document.title="pwned"</script>'
            '<a href="javascript:alert(2)">联系</a> " onmouseover="alert(3)')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class User:
    """A test client logged in through the real login form."""

    def __init__(self, app, name: str):
        self.name = name
        self.client = app.test_client()
        page = self.client.get("/login")
        r = self.client.post("/login", data={"username": name, "password": PASSWORDS[name],
                                              "csrf_token": csrf_of(page.text)})
        assert r.status_code == 302, r.text
        self.token = csrf_of(self.client.get("/").text)

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kw)

    def api_post(self, path, json=None):
        return self.client.post(path, json=json or {}, headers={"X-CSRFToken": self.token})


def seed_item(store, *, url, kind, source, title, text, **extra) -> dict:
    item = {"url": url, "kind": kind, "source": source, "title": title, "text": text, **extra}
    item["content_hash"] = content_hash(item)
    store.upsert_item(item)
    return item


def term(text: str, word: str, field: str = "text", weight: float = 1.0) -> dict:
    start = text.index(word)
    return {"term": word, "matched": word, "start": start, "end": start + len(word),
            "weight": weight, "evasion": False, "field": field}


def seed_flag(store, item: dict, category: str, score: float, terms=(), rules=(), features=(),
              snippet: str = "") -> str:
    evidence = {"model_score": score, "lexicon_score": 0.5, "terms": list(terms),
                "rules": list(rules), "features": list(features), "snippet": snippet}
    return store.raise_flag(url=item["url"], category=category, score=score, priority=score,
                            verdict="review", evidence=evidence, model_version="test-model-1",
                            content_hash=item["content_hash"], source=item["source"],
                            kind=item["kind"], title=item["title"]).flag_id


@pytest.fixture
def app(store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PATROL_DATA_DIR", str(tmp_path / "data"))
    application = create_app(store_url, secret_key="test-secret-key")
    application.config["TESTING"] = True
    yield application
    application.extensions["patrol_store"].close()


@pytest.fixture
def store(app):
    return app.extensions["patrol_store"]


@pytest.fixture
def accounts(store):
    create_account(store, "ann", "analyst", PASSWORDS["ann"])
    create_account(store, "bob", "analyst", PASSWORDS["bob"])
    create_account(store, "lee", "lead", PASSWORDS["lee"])


@pytest.fixture
def seeded(store, accounts) -> dict:
    """Three flags, highest priority first: a hostile shop page, an app, a news page."""
    shop = seed_item(store, url="https://shop.example/item/1", kind="shop", source="shop-a",
                     title=XSS_TITLE, text=XSS_TEXT, shop_name="<b>书店</b>",
                     licence="=HYPERLINK(\"http://evil.example\",\"x\")")
    app_item = seed_item(store, url="https://apps.example/app/9", kind="app", source="appstore",
                         title="夜语直播", text="深夜福利直播，私密直播间等你来。")
    news = seed_item(store, url="javascript:alert(document.domain)//news", kind="news",
                     source="news-x", title="新华快讯", text="本站新闻来源：新华社授权转载。")
    ids = {
        "shop": seed_flag(store, shop, "unlicensed_publication", 0.95,
                          terms=[term(XSS_TEXT, "盗版书"), term(XSS_TITLE, "盗版书", "title")],
                          rules=[{"rule": "no_licence", "reason": "<i>no licence</i> shown"}],
                          features=[{"feature": "<svg onload=alert(4)>", "weight": 0.4}],
                          snippet="出售盗版书籍<script>alert(5)</script>"),
        "app": seed_flag(store, app_item, "vulgar", 0.7,
                         terms=[term(app_item["text"], "深夜福利")], snippet="深夜福利直播"),
        "news": seed_flag(store, news, "fake_media", 0.5,
                          rules=[{"rule": "imitates_outlet", "reason": "name imitates 新华社"}]),
    }
    return ids


@pytest.fixture
def ann(app, seeded):
    return User(app, "ann")


@pytest.fixture
def bob(app, seeded):
    return User(app, "bob")


@pytest.fixture
def lee(app, seeded):
    return User(app, "lee")
