"""Requests as JSON: every request the spiders make round-trips (meta,
callbacks by name, priorities); stored requests are data, never code."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import HtmlResponse, Request
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy_playwright.page import PageMethod

from patrol.cli.crawl_cmds import BUNDLED_SOURCES
from patrol.distributed import codec
from patrol.distributed.codec import CodecError
from patrol.distributed.spider import _RunCrawler
from spiders.profile_spider import ProfileSpider

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pages"
SITE = "http://127.0.0.1:8123"


def _spider(name: str, tmp_path, monkeypatch) -> ProfileSpider:
    for path in BUNDLED_SOURCES.glob("*.yaml"):  # every demo site a bundled profile names
        for var in re.findall(r"\$\{(DEMO_[A-Z_]+_URL)\}", path.read_text(encoding="utf-8")):
            monkeypatch.setenv(var, SITE)
    settings = Settings({"PATROL_SCREENSHOTS": True, "PATROL_DATA_DIR": str(tmp_path)})
    crawler = Crawler(ProfileSpider, settings)  # not started: its settings are still open
    spider = ProfileSpider.from_crawler(crawler, source=str(BUNDLED_SOURCES / f"{name}.yaml"))
    # Stats as the worker gives them to a source's spider (the crawl is not started).
    spider.crawler = _RunCrawler(crawler, MemoryStatsCollector(crawler))
    return spider


async def _requests_of(spider: ProfileSpider) -> list[Request]:
    """The start requests, and every request the callbacks make from the
    saved pages of this profile (tests/fixtures/pages/<profile>/)."""
    out = [r async for r in spider.start()]
    for page in sorted((FIXTURES / spider.profile.name).glob("*/page.html")):
        for request in list(out[:1]):
            response = HtmlResponse(SITE + "/" + page.parent.name + ".html", body=page.read_bytes(),
                                    request=request.replace(url=SITE + "/" + page.parent.name + ".html"))
            for callback in (spider.parse_listing, spider.parse_detail):
                out += [r for r in callback(response) if isinstance(r, Request)]
    return out


def _same(a: Request, b: Request) -> None:
    def plain(meta):
        return {k: ((v.method, v.args, v.kwargs) if isinstance(v, PageMethod) else
                    [(m.method, m.args, m.kwargs) for m in v] if k == "playwright_page_methods" else v)
                for k, v in meta.items()}
    assert (b.url, b.method, b.body, b.priority, b.dont_filter, b.flags, b.cb_kwargs, b.encoding) == \
        (a.url, a.method, a.body, a.priority, a.dont_filter, a.flags, a.cb_kwargs, a.encoding)
    assert dict(b.headers) == dict(a.headers)
    assert plain(b.meta) == plain(a.meta)
    assert b.callback == a.callback and b.errback == a.errback


@pytest.mark.parametrize("profile", sorted(p.stem for p in BUNDLED_SOURCES.glob("*.yaml")))
def test_every_request_of_every_profile_round_trips(profile, tmp_path, monkeypatch):
    spider = _spider(profile, tmp_path, monkeypatch)
    requests = asyncio.run(_requests_of(spider))
    assert len(requests) > 1
    roles = {r.meta.get("patrol_role") for r in requests}
    assert "start" in roles and roles & {"detail", "listing", "next", "about"}
    # What downloader middlewares make of them: a retry (meta, priority, dont_filter change).
    requests.append(get_retry_request(requests[-1], spider=spider, reason="timeout"))
    requests.append(requests[0].replace(priority=-7, cb_kwargs={"page": 2}, body=b"\x00\xff",
                                        headers={"Referer": SITE + "/é"}))
    for request in requests:
        text = codec.encode(request)
        json.loads(text)  # plain JSON, nothing else
        back = codec.decode(text, lambda meta, name: getattr(spider, name))
        _same(request, back)
    if spider.profile.render == "browser":
        rendered = requests[0].meta["playwright_page_methods"]
        assert any(callable(m.method) for m in rendered) and any(m.method == "screenshot" for m in rendered)


def test_the_seed_names_the_worker_callback():
    doc = json.loads(codec.seed("run-1", "bookshop"))
    assert doc["callback"] == "seed" and doc["meta"]["patrol_run"] == "run-1"
    asked = []
    request = codec.decode(codec.seed("run-1", "bookshop"), lambda meta, name: asked.append(name) or print)
    assert asked == ["seed", "on_error"] and request.url == "data:," and request.priority == 1000


def _stored(**change) -> str:
    doc = json.loads(codec.seed("r", "s"))
    doc.update(change)
    return json.dumps(doc)


@pytest.mark.parametrize("text, message", [
    ("\x80\x04\x95pickle", "not JSON"),
    (_stored(**{"class": "os.system"}), "unknown class"),
    (_stored(callback="__init__"), "not an allowed callback"),
    (_stored(callback="close"), "not an allowed callback"),
    (_stored(errback="start"), "not an allowed callback"),
    (_stored(meta={"m": {"$page_method": ["fn:os.system", ["id"], {}]}}), "unknown page function"),
    (_stored(meta={"m": {"$bytes": "%%%"}}), "bad base64"),
    (_stored(v=0), "no version 1"),
])
def test_a_hostile_stored_request_is_refused(text, message):
    with pytest.raises(CodecError, match=message):
        codec.decode(text, lambda meta, name: print)


def test_what_json_cannot_hold_is_an_error_naming_it():
    with pytest.raises(CodecError, match=r"meta\.thing: a object cannot be stored"):
        codec.encode(Request("http://x.test/", meta={"thing": object()}))
    with pytest.raises(CodecError, match="not a spider method"):
        codec.encode(Request("http://x.test/", callback=lambda r: None))
    with pytest.raises(CodecError, match="not in codec.PAGE_FUNCTIONS"):
        codec.encode(Request("http://x.test/", meta={"p": [PageMethod(len)]}))
