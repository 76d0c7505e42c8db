"""App detail pages: name, developer, category, age rating, downloads, rating,
version, update date, description."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spiders.pages.base import Page, clean, dig

# Chinese and Western magnitude words; longest first so 千万 wins over 千.
_UNITS = (("千万", 10_000_000), ("百万", 1_000_000), ("亿", 100_000_000), ("万", 10_000),
          ("千", 1_000), ("k", 1_000), ("m", 1_000_000), ("b", 1_000_000_000))
_NUMBER = re.compile(r"(\d[\d,，]*(?:\.\d+)?)\s*(千万|百万|亿|万|千|[kKmMbB](?![a-zA-Z]))?")
_DOWNLOADS_IN_TEXT = (
    re.compile(r"下载(?:量|次数)?\s*[:：]?\s*(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?)"),
    re.compile(r"(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?)\s*(?:次|人)?\s*(?:下载|安装)"),
)
_RATING = re.compile(r"(\d+(?:\.\d+)?)")


def parse_downloads(value: Any) -> int | None:
    """'1.2亿次' → 120000000, '35万+' → 350000, '10,000+' → 10000, '3500万次下载' → 35000000."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    m = _NUMBER.search(str(value))
    if not m:
        return None
    try:
        number = Decimal(m.group(1).replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    unit = (m.group(2) or "").lower()
    factor = dict(_UNITS).get(unit, 1)
    return int(number * factor)


def parse_rating(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _RATING.search(str(value))
    return float(m.group(1)) if m else None


def app_id_from_url(url: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("id", "appid", "app_id", "pkg", "package"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return ""
    last = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1])
    return last


class AppPage(Page):
    kind = "app"

    def app_node(self) -> dict:
        return self.node("SoftwareApplication", "MobileApplication", "VideoGame", "WebApplication")

    def _downloads_text(self) -> str:
        stat = dig(self.app_node(), "interactionStatistic")
        if isinstance(stat, dict) and stat.get("userInteractionCount") is not None:
            return str(stat["userInteractionCount"])
        text = self.text()
        for pattern in _DOWNLOADS_IN_TEXT:
            m = pattern.search(text)
            if m:
                return m.group(1)
        return ""

    def kind_fields(self) -> dict[str, Any]:
        n = self.app_node()
        name = self.field("name", lambda: dig(n, "name"), lambda: self.metas.get("og:title"),
                          lambda: self.sel.css("h1").xpath("string()").get())
        return {
            "store": self.profile.store,
            "app_id": clean(self.field("app_id", lambda: dig(n, "identifier"),
                                       lambda: dig(n, "sku"),
                                       lambda: app_id_from_url(self.canonical_url()))),
            "name": name,
            "developer": self.field("developer", lambda: dig(n, "author", "name"),
                                    lambda: dig(n, "publisher", "name"),
                                    lambda: dig(n, "author") if isinstance(dig(n, "author"), str) else None),
            "category": self.field("category", lambda: dig(n, "applicationCategory"),
                                   lambda: dig(n, "genre")),
            "age_rating": self.field("age_rating", lambda: dig(n, "contentRating"),
                                     lambda: dig(n, "typicalAgeRange")),
            "downloads": parse_downloads(self.field("downloads", self._downloads_text)),
            "rating": parse_rating(self.field("rating", lambda: dig(n, "aggregateRating", "ratingValue"))),
            "version": self.field("version", lambda: dig(n, "softwareVersion")),
            "updated": self.field("updated", lambda: dig(n, "dateModified"),
                                  lambda: dig(n, "datePublished")),
            "description": self.field("description", lambda: dig(n, "description"),
                                      lambda: self.metas.get("og:description"),
                                      lambda: self.metas.get("description")),
        }
