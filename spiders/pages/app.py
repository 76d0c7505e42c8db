"""App detail pages: name, developer, category, age rating, downloads, rating,
version, update date, description."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spiders.normalise import (normalise_age_rating, normalise_date, normalise_downloads,
                               normalise_rating, normalise_version)
from spiders.pages.base import Page, clean, dig, title_head

# Chinese and Western magnitude words; longest first so 千万 wins over 千.
_DOWNLOADS_IN_TEXT = (
    re.compile(r"下载(?:量|次数)?\s*[:：]?\s*(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?)"),
    re.compile(r"(\d[\d,，.]*\s*(?:千万|百万|亿|万|千)?\s*\+?)\s*(?:次|人)?\s*(?:下载|安装)"),
)


def parse_downloads(value: Any) -> int | None:
    """'1.2亿次' → 120000000, '35万+' → 350000, '10,000+' → 10000; never a size in MB."""
    return normalise_downloads(value)


def parse_rating(value: Any) -> float | None:
    return normalise_rating(value)


_NAME_VERSION = re.compile(r"\s*[-_ ]?\s*(?:[vV]\s*\d+(?:\.\d+)*|\d+\.\d+(?:\.\d+)+)\s*(?:版|版本)?\s*$")
_NAME_SUFFIX = re.compile(r"\s*(?:官方版|最新版|安卓版|手机版|免费版|正式版|下载|官方下载|app下载|APP下载)+\s*$", re.I)


def app_name(value: Any) -> str | None:
    """'口算小达人V1.0.6' → '口算小达人'; '某某 官方版下载' → '某某'."""
    if value in (None, ""):
        return None
    name = str(value)
    for _ in range(2):
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
        for pattern in _DOWNLOADS_IN_TEXT:
            m = pattern.search(text)
            if m:
                return m.group(1)
        return ""

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
            "age_rating": self.typed("age_rating", self.field(
                "age_rating", ("labelled value", lambda: lab("age_rating")),
                ("json-ld contentRating", lambda: dig(n, "contentRating")),
                ("json-ld typicalAgeRange", lambda: dig(n, "typicalAgeRange"))), normalise_age_rating),
            "downloads": self.typed("downloads", self.field(
                "downloads", ("labelled value", lambda: lab("downloads")),
                ("json-ld / main text", self._downloads_text)), normalise_downloads),
            "rating": self.typed("rating", self.field(
                "rating", ("json-ld aggregateRating", lambda: dig(n, "aggregateRating", "ratingValue")),
                ("labelled value", lambda: lab("rating"))), normalise_rating),
            "version": self.typed("version", self.field(
                "version", ("labelled value", lambda: lab("version")),
                ("json-ld softwareVersion", lambda: dig(n, "softwareVersion"))), normalise_version),
            "updated": self.typed("updated", self.field(
                "updated", ("labelled value", lambda: lab("updated")),
                ("json-ld dateModified", lambda: dig(n, "dateModified")),
                ("json-ld datePublished", lambda: dig(n, "datePublished"))), normalise_date),
            "description": self.field("description", ("json-ld description", lambda: dig(n, "description")),
                                      ("meta og:description", lambda: self.metas.get("og:description")),
                                      ("meta description", lambda: self.metas.get("description"))),
        }
