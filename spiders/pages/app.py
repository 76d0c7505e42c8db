"""App detail pages: name, developer, category, age rating, downloads, rating,
version, update date, description."""

from __future__ import annotations

import re
from functools import cached_property
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
_NAME_SUFFIX = re.compile(r"\s*(?:(?:官方|最新|安卓|手机|免费|正式|破解|绿色|纯净|中文|官网)+版?|下载|app|安装包|"
                          r"(?:19|20)\d{2}年?)+\s*$", re.I)
# Where app markets put an app's name, category and developer when the page has
# no <h1>, no label and no JSON-LD (class names, not sites: det-name, app-name…)
_NAME_XPATH = ("//*[contains(@class, 'app-name') or contains(@class, 'det-name') or contains(@class, 'soft-name') "
               "or contains(@class, 'game-name') or contains(@class, 'app_name') or contains(@class, 'appname')]"
               "/descendant-or-self::*[not(*)][normalize-space()][1]")
_CATEGORY_XPATH = ("//*[contains(@class, 'type-link') or contains(@class, 'categ') or contains(@class, 'genre') "
                   "or contains(@class, 'app-tags') or contains(@class, 'app-type')]"
                   "[not(ancestor::*[contains(@class, 'related') or contains(@class, 'recommend') "
                   "or contains(@class, 'nav') or contains(@class, 'crumb')])]"
                   "/descendant-or-self::*[not(*)][normalize-space()][1]")
_CRUMB_SEP = re.compile(r"\s*(?:>>?|›|»|/|→)\s*")
_CRUMB_GENERIC = re.compile(r"^(?:首页|主页|软件|游戏|应用|安卓|安卓软件|安卓游戏|手机软件|手机游戏|下载|软件下载|正文|当前位置.*)$")
_COMPANY = re.compile(r"^[\u4e00-\u9fff（）()·A-Za-z0-9]{2,40}(?:有限公司|有限责任公司|股份公司|工作室|集团|"
                      r"Co\.,? ?Ltd\.?|Inc\.?|LLC|Limited)$")
# the listing's own description under its heading (应用介绍, 软件简介…)
_DESCRIPTION_HEAD = re.compile(r"^\s*(?:应用|软件|游戏|产品|内容)?(?:介绍|简介|描述|详情)\s*$")


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
                                 "contains(@class,'rate') or contains(@class,'star') or contains(@class,'vote')][not(ancestor::*[contains(@class,'related') or "
                                 "contains(@class,'recommend') or contains(@class,'comment') or contains(@class,'review')])]"):
            value = clean(el.xpath("string()").get())
            if value and len(value) <= 12 and normalise_rating(value) is not None:
                return value
        return None

    def _shown(self, xpath: str, longest: int = 40) -> str | None:
        for el in self.sel.xpath(xpath):
            value = clean(el.xpath("string()").get())
            if value and len(value) <= longest:
                return value
        return None

    def _breadcrumb_category(self, name: str | None) -> str | None:
        """'首页 > 软件 > 教育 > 小学宝': the segment before the app's own name."""
        if not name:
            return None
        for el in self.sel.xpath("//*[contains(@class, 'crumb') or contains(@class, 'nav') or contains(@class, 'pos') "
                                 "or contains(@class, 'location') or contains(@class, 'path')][not(ancestor::footer)]"):
            parts = [clean(p) for p in _CRUMB_SEP.split(clean(el.xpath("string()").get()))]
            parts = [p for p in parts if p]
            if len(parts) >= 3 and parts[-1] == name and len(parts[-2]) <= 10 and not _CRUMB_GENERIC.match(parts[-2]):
                return parts[-2]
        return None

    def _developer_line(self) -> str | None:
        """A company name standing alone in the listing (the line over the app's name)."""
        return next((line.strip() for line in self.text().splitlines() if _COMPANY.match(line.strip())), None)

    def _description_block(self) -> str | None:
        """The text under the listing's 应用介绍 / 软件简介 heading."""
        for head in self.sel.xpath("//h2|//h3|//h4|//div[not(*)]|//dt|//span[not(*)]"):
            if not _DESCRIPTION_HEAD.match(clean(head.xpath("string()").get())):
                continue
            sib = head.xpath("following-sibling::*[normalize-space()][1]")
            if sib:
                value = clean(sib[0].xpath("string()").get())
                if len(value) >= 20:
                    return value
        return None

    @cached_property
    def _text(self) -> str:
        """The listing's main content, with its description whenever one is shown
        (trafilatura drops a paragraph in a class it takes for a carousel)."""
        text = super()._text
        if "text" in self.profile.fields:
            return text
        description = self._description_block()
        if description and clean(description)[:30] not in clean(text):
            text = (text + "\n" + description).strip()
        return text

    def kind_fields(self) -> dict[str, Any]:
        n = self.app_node()
        lab = self.label
        raw_name = self.field("name", ("json-ld name", lambda: dig(n, "name")),
                              ("h1", lambda: self.sel.css("h1").xpath("string()").get()),
                              ("name block", lambda: self._shown(_NAME_XPATH)),
                              ("meta og:title", lambda: title_head(self.metas.get("og:title", ""))),
                              ("<title> head", lambda: title_head(clean(self.sel.xpath("//title/text()").get()))))
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
                                    ("json-ld author", lambda: author if isinstance(author, str) else None),
                                    ("company line", self._developer_line)),
            # the visible category first: JSON-LD's applicationCategory is often an enum (GameApplication)
            "category": self.field("category", ("labelled value", lambda: lab("category")),
                                   ("json-ld genre", lambda: dig(n, "genre")),
                                   ("category block", lambda: self._shown(_CATEGORY_XPATH, 12)),
                                   ("breadcrumb", lambda: self._breadcrumb_category(name)),
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
                                      ("meta description", lambda: self.metas.get("description")),
                                      ("description block", self._description_block)),
        }
