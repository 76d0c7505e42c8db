"""``patrol sources check``: fetch a profile's start page (and its first detail
page) once, politely, and show what each link rule and field extracted.

One or two GETs with the project's user agent after asking robots.txt
(Protego, Scrapy's own parser); no crawl, no store. A browser profile's pages
are rendered in Chromium (Playwright, the same executable and arguments as a
crawl) so sections built by JavaScript show up here too.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from protego import Protego
from scrapy.http import HtmlResponse, Request

from patrol import config
from patrol.errors import PatrolError
from spiders.pages import page_class
from spiders.profile_spider import _extractor
from spiders.profiles import Profile

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 20


@dataclass
class PageReport:
    url: str
    role: str
    status: int
    links: dict[str, list[str]] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    from_profile: set[str] = field(default_factory=set)


def _get(url: str, ua: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"User-Agent": ua, "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, dict(resp.headers.items()), resp.read(MAX_BYTES)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read(MAX_BYTES)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise PatrolError(f"{url}: cannot fetch: {getattr(exc, 'reason', exc)}") from None


def _render(url: str, ua: str, profile: Profile) -> tuple[int, dict[str, str], bytes]:
    """The page after its JavaScript ran, as a crawl with render: browser sees it."""
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    from spiders.profile_spider import WAIT_FOR_MS
    from spiders.settings_profile import CHROMIUM_ARGS
    options: dict[str, Any] = {"headless": True, "args": CHROMIUM_ARGS}
    if config.get("PATROL_CHROMIUM"):
        options["executable_path"] = config.get("PATROL_CHROMIUM")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**options)
            try:
                page = browser.new_page(user_agent=ua)
                response = page.goto(url, timeout=TIMEOUT * 1000)
                if profile.wait_for:
                    try:
                        page.wait_for_selector(profile.wait_for, timeout=WAIT_FOR_MS)
                    except PlaywrightError:
                        pass  # taken as it is, like the crawl does
                status = response.status if response else 0
                return status, {"Content-Type": "text/html; charset=utf-8"}, page.content().encode("utf-8")
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PatrolError(f"{url}: cannot render in Chromium: {str(exc).splitlines()[0]}") from None


def _allowed(url: str, ua: str) -> bool:
    status, _headers, body = _get(urljoin(url, "/robots.txt"), ua)
    if status >= 400:
        return True
    return Protego.parse(body.decode("utf-8", "replace")).can_fetch(url, ua)


def _matches(response, spec: str | dict) -> bool:
    """Whether the profile's selector found anything (else the value is generic)."""
    if isinstance(spec, dict):  # products: the item blocks
        spec = spec["item"]
    found = response.xpath(spec[6:]) if spec.startswith("xpath:") else response.css(spec)
    return bool(found)


def check_page(profile: Profile, url: str, role: str) -> PageReport:
    ua = config.user_agent()
    if not _allowed(url, ua):
        raise PatrolError(f"{url}: disallowed by the site's robots.txt for our user agent")
    status, headers, body = _render(url, ua, profile) if profile.render == "browser" else _get(url, ua)
    response = HtmlResponse(url=url, status=status, headers=headers, body=body,
                            request=Request(url, meta={"patrol_role": role}))
    report = PageReport(url=url, role=role, status=status)
    for r in ("listing", "detail", "next", "about"):
        ex = _extractor(profile, r)
        if ex is not None:
            report.links[r] = [link.url for link in ex.extract_links(response)]
    kind = profile.kind if role == "detail" or (role == "start" and profile.kind == "shop") else "page"
    report.item = page_class(kind)(response, profile, role=role,
                                   rendered=profile.render == "browser").to_item()
    report.from_profile = {name for name, spec in profile.fields.items()
                           if report.item.get(name) not in (None, "", []) and _matches(response, spec)}
    return report


def check_profile(profile: Profile, url: str | None = None) -> list[PageReport]:
    """The start page (or ``url``) and, when there is one, its first detail page."""
    first = check_page(profile, url or profile.start_urls[0], "detail" if url else "start")
    reports = [first]
    details = first.links.get("detail") or []
    if not url and details:
        reports.append(check_page(profile, details[0], "detail"))
    return reports
