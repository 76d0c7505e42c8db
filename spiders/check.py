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
    origins: dict[str, str] = field(default_factory=dict)   # field → "selector …" | "json-ld …" | "labelled value" …
    raw: dict[str, Any] = field(default_factory=dict)       # typed field → the value as displayed
    role_reason: str = ""                                    # why the page got its role


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


LISTING_MIN_DETAIL_LINKS = 5
# the fields a detail page of each kind shows (a listing page shows few of them)
DETAIL_FACTS = {"app": ("developer", "category", "age_rating", "downloads", "version", "updated", "rating"),
                "news": ("published", "byline"), "shop": ("products",)}


def guess_role(profile: Profile, response, links: dict[str, list[str]]) -> tuple[str, str]:
    """The role a crawl would give a page reached by ``--url``: its start page,
    a listing (it has a next link, or many detail links and little text of its
    own), or a detail page."""
    url = response.url
    if url in profile.start_urls:
        return "start", "one of the profile's start_urls"
    details = links.get("detail") or []
    # what a detail page of the profile's kind would find here
    probe = page_class(profile.kind)(response, profile, role="detail")
    item = probe.to_item()
    found = [k for k in DETAIL_FACTS[profile.kind] if item.get(k) not in (None, "", [], {})]
    if profile.kind == "shop":
        is_detail = len(item.get("products") or []) == 1 and len(details) < 3 * LISTING_MIN_DETAIL_LINKS
    elif profile.kind == "news":
        is_detail = bool(item.get("published")) and len(item.get("text") or "") >= 200
    else:
        is_detail = len(found) >= 3
    if links.get("next") and not is_detail:
        return "listing", f"a next-page link ({links['next'][0]}) and {len(details)} detail links"
    if is_detail:
        return "detail", f"a {profile.kind} detail page's fields found: {', '.join(found) or 'one product'}"
    if len(details) >= LISTING_MIN_DETAIL_LINKS:
        return "listing", (f"{len(details)} detail links and no {profile.kind} detail fields "
                           f"({', '.join(found) or 'none'} found)")
    return "detail", f"{len(details)} detail links; taken as a detail page"


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
    if role == "guess":  # a --url page: the role a crawl would give it
        role, report.role_reason = guess_role(profile, response, report.links)
        report.role = role
    kind = (profile.kind if role in ("detail", "about") or profile.kind == "shop" else "page")
    page = page_class(kind)(response, profile, role=role, rendered=profile.render == "browser")
    report.item = page.to_item()
    report.origins = dict(page.origins)
    report.raw = dict(page.raw)
    # from the profile's selector only when the selector gave the value (not a generic fallback)
    report.from_profile = {name for name, origin in page.origins.items() if origin.startswith("selector ")}
    if "products" in profile.fields and report.item.get("products") and _matches(response, profile.fields["products"]):
        report.from_profile.add("products")
        report.origins.setdefault("products", f"selector {profile.fields['products'].get('item')}")
    return report


def check_profile(profile: Profile, url: str | None = None) -> list[PageReport]:
    """The start page (or ``url``) and, when there is one, its first detail page."""
    first = check_page(profile, url or profile.start_urls[0], "guess" if url else "start")
    reports = [first]
    details = first.links.get("detail") or []
    if not url and details:
        reports.append(check_page(profile, details[0], "detail"))
    return reports
