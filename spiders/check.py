"""``patrol sources check``: fetch a profile's start page (and its first detail
page) once, politely, and show what each link rule and field extracted.

One or two plain HTTP GETs with the project's user agent after asking
robots.txt (Protego, Scrapy's own parser); no crawl, no store. A browser
profile is checked over plain HTTP too, which the report says, since a
section built by JavaScript is only there in ``patrol crawl``.
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


def _allowed(url: str, ua: str) -> bool:
    status, _headers, body = _get(urljoin(url, "/robots.txt"), ua)
    if status >= 400:
        return True
    return Protego.parse(body.decode("utf-8", "replace")).can_fetch(url, ua)


def check_page(profile: Profile, url: str, role: str) -> PageReport:
    ua = config.user_agent()
    if not _allowed(url, ua):
        raise PatrolError(f"{url}: disallowed by the site's robots.txt for our user agent")
    status, headers, body = _get(url, ua)
    response = HtmlResponse(url=url, status=status, headers=headers, body=body,
                            request=Request(url, meta={"patrol_role": role}))
    report = PageReport(url=url, role=role, status=status)
    for r in ("listing", "detail", "next", "about"):
        ex = _extractor(profile, r)
        if ex is not None:
            report.links[r] = [link.url for link in ex.extract_links(response)]
    kind = profile.kind if role == "detail" or (role == "start" and profile.kind == "shop") else "page"
    report.item = page_class(kind)(response, profile, role=role).to_item()
    report.from_profile = {name for name, spec in profile.fields.items()
                           if report.item.get(name) not in (None, "", [])}
    return report


def check_profile(profile: Profile, url: str | None = None) -> list[PageReport]:
    """The start page (or ``url``) and, when there is one, its first detail page."""
    first = check_page(profile, url or profile.start_urls[0], "detail" if url else "start")
    reports = [first]
    details = first.links.get("detail") or []
    if not url and details:
        reports.append(check_page(profile, details[0], "detail"))
    return reports
