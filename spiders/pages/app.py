"""App detail pages: name, developer, category, age rating, downloads, rating,
version, update date, description."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spiders.normalise import (normalise_age_rating, normalise_date, normalise_downloads,
                               normalise_rating, normalise_version)
from spiders.normalise.dates import date_text
from spiders.pages.base import Page, clean, dig, title_head

# Chinese and Western magnitude words; longest first so 千万 wins over 千.
# A count next to 下载/安装 in the listing's text; the unit after the number is
# captured too, so a size ("下载 1.2 GB") is seen as one and skipped.
_DOWNLOADS_IN_TEXT = (
    re.compile(r"下载(?:量|次数)?\s*[:：]?\s*(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?\s*(?:[MGKT]i?B|兆)?)", re.I),
    re.compile(r"(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?)\s*(?:次|人)?\s*(?:下载|安装)"),
)


def parse_downloads(value: Any) -> int | None:
    """'1.2亿次' → 120000000, '35万+' → 350000, '10,000+' → 10000; never a size in MB."""
    return normalise_downloads(value)


def parse_rating(value: Any) -> float | None:
    return normalise_rating(value)


_NAME_VERSION = re.compile(r"\s*[-_ ]?\s*(?:[vV]\s*\d+(?:\.\d+)*|\d+\.\d+(?:\.\d+)+)\s*(?:版|版本)?\s*$")
_NAME_SUFFIX = re.compile(r"\s*(?:(?:官方|最新|安卓|手机|免费|正式|破解|绿色|纯净|中文|官网)+版?|下载|app|安装包)+\s*$", re.I)


def app_name(value: Any) -> str | None:
    """'口算小达人V1.0.6' → '口算小达人'; '某某 官方版下载' → '某某'."""
    if value in (None, ""):
        return None
    name = str(value)
    for _ in range(3):
        name = _NAME_SUFFIX.sub("", _NAME_VERSION.sub("", name))
    return name.strip() or str(value).strip()


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
        found = sorted((m.start(), m.group(1)) for pattern in _DOWNLOADS_IN_TEXT for m in pattern.finditer(text))
        return next((value for _pos, value in found if normalise_downloads(value) is not None), "")

    def _rating_shown(self) -> str | None:
        """A rating block outside the furniture (class named rating/score/rate)."""
        for el in self.sel.xpath("//*[contains(@class,'rating') or contains(@class,'score') or "
                                 "contains(@class,'rate')][not(ancestor::*[contains(@class,'related') or "
                                 "contains(@class,'recommend') or contains(@class,'comment') or contains(@class,'review')])]"):
            value = clean(el.xpath("string()").get())
            if value and len(value) <= 12 and normalise_rating(value) is not None:
                return value
        return None

    def kind_fields(self) -> dict[str, Any]:
        n = self.app_node()
        lab = self.label
        raw_name = self.field("name", ("json-ld name", lambda: dig(n, "name")),
                              ("h1", lambda: self.sel.css("h1").xpath("string()").get()),
                              ("meta og:title", lambda: title_head(self.metas.get("og:title", ""))))
        name = app_name(raw_name)
        if name != raw_name and raw_name:
            self.raw["name"] = raw_name
        author = dig(n, "author")
        return {
            "store": self.profile.store,
            "app_id": clean(self.field("app_id", ("json-ld identifier", lambda: dig(n, "identifier")),
                                       ("json-ld sku", lambda: dig(n, "sku")),
                                       ("url", lambda: app_id_from_url(self.canonical_url())))),
            "name": name,
            "developer": self.field("developer", ("labelled value", lambda: lab("developer")),
                                    ("json-ld author", lambda: dig(n, "author", "name")),
                                    ("json-ld publisher", lambda: dig(n, "publisher", "name")),
                                    ("json-ld author", lambda: author if isinstance(author, str) else None)),
            # the visible category first: JSON-LD's applicationCategory is often an enum (GameApplication)
            "category": self.field("category", ("labelled value", lambda: lab("category")),
                                   ("json-ld genre", lambda: dig(n, "genre")),
                                   ("json-ld applicationCategory", lambda: dig(n, "applicationCategory"))),
            "age_rating": self.typed_field(
                "age_rating", normalise_age_rating, ("labelled value", lambda: lab("age_rating")),
                ("json-ld contentRating", lambda: dig(n, "contentRating")),
                ("json-ld typicalAgeRange", lambda: dig(n, "typicalAgeRange"))),
            "downloads": self.typed_field(
                "downloads", normalise_downloads, ("labelled value", lambda: lab("downloads")),
                ("json-ld / main text", self._downloads_text)),
            "rating": self.typed_field(
                "rating", normalise_rating,
                ("json-ld aggregateRating", lambda: dig(n, "aggregateRating", "ratingValue")),
                ("labelled value", lambda: lab("rating")), ("rating block", self._rating_shown)),
            "version": self.typed_field(
                "version", normalise_version, ("labelled value", lambda: lab("version")),
                ("json-ld softwareVersion", lambda: dig(n, "softwareVersion"))),
            "updated": self.typed_field(
                "updated", normalise_date,
                ("labelled value", lambda: date_text(lab("updated") or "") or lab("updated")),
                ("json-ld dateModified", lambda: dig(n, "dateModified")),
                ("json-ld datePublished", lambda: dig(n, "datePublished"))),
            "description": self.field("description", ("json-ld description", lambda: dig(n, "description")),
                                      ("meta og:description", lambda: self.metas.get("og:description")),
                                      ("meta description", lambda: self.metas.get("description"))),
        }
