"""News pages: headline, outlet, byline, publication date, body, licence claim
and about/contact text.

The body is trafilatura's main content; the date comes from the article's
metadata or its own date line (the lines under the headline), never from the
masthead's "today", a sidebar or a list of other articles; the byline is the
reporter's name (spiders/normalise), never an editor, the outlet or an e-mail.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import html_text

from spiders.normalise import normalise_byline, normalise_date, normalise_news_licence
from spiders.normalise.fields import join_spaced_names
from spiders.normalise.dates import _FULL as FULL_DATE, date_text
from spiders.pages.base import Page, clean, dig, title_head, title_suffix
from spiders.pages.shop import lines_matching

LICENCE_CLAIM = re.compile(
    r"互联网新闻信息服务许可|新闻信息服务许可证|新闻记者证|刊号|CN\s?\d{2}-\d{4}|许可证编号|"
    r"新闻出版|广播电视节目制作经营许可")
CONTACT = re.compile(r"联系(?:我们|电话|方式|邮箱)?|电话|邮箱|E-?mail|地址|QQ|微信", re.I)
BYLINE = re.compile(r"(?:本报记者|本台记者|本网记者|特约记者|记者|記者|作者(?=\s*[:：/|丨｜\s])|通讯员|通訊員|文\s*[/／]\s*图|"
                    r"图\s*[/／]\s*文|文(?=\s*[/／:：|丨｜]))(?![站证證])"
                    r"\s*[:：/|丨｜]?\s*"
                    r"([\u4e00-\u9fa5]{2,3}(?:[、，, ]\s*[\u4e00-\u9fa5]{2,3}(?![:：\u4e00-\u9fa5])){0,3})(?:(?![\u4e00-\u9fa5])|(?=报道|摄|报|通讯员))")
DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?(?:\s+(\d{1,2}:\d{2}(?::\d{2})?))?")
# An English page's byline: 'By Li Qiang', 'By Zhang Wei and Li Na'
_EN_WORD = r"(?!(?:Published|Updated|Posted|Source|Editor|Photo|Date|Time|From|PUBLISHED|UPDATED)\b)(?:[A-Z][a-z]+|[A-Z]{2,})"
_EN_NAME = _EN_WORD + r"(?: " + _EN_WORD + r"){1,2}"
BYLINE_EN = re.compile(r"(?<![A-Za-z])By\s+(" + _EN_NAME + r"(?:\s*(?:,|and)\s*" + _EN_NAME + r")*)")
DATE_META = ("article:published_time", "publish_time", "pubtime", "apub:time", "ptime", "publish-time", "og:article:published_time", "pubdate", "publishdate", "publish_date",
             "publishtime", "published_time", "og:release_date", "release_date", "dc.date", "dc.date.issued",
             "date", "sailthru.date", "parsely-pub-date", "weibo:article:create_at", "article:published")
AUTHOR_META = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")
SOURCE_META = ("source", "article:source", "og:article:source", "mediaid", "og:site_name")


def find_date(text: str) -> str:
    m = DATE.search(text or "")
    if not m:
        return ""
    y, mo, d, t = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}" + (f" {t}" if t else "")


_WECHAT_CT = re.compile(r"\bvar\s+ct\s*=\s*[\"'](\d{10})[\"']")
_ACCOUNT_NAME_XPATH = (
    "//*[contains(@class, 'media-name') or contains(@class, 'account-name') or contains(@class, 'author-name') "
    "or contains(@class, 'user-name') or contains(@class, 'mp-name') or contains(@class, 'nickname') "
    "or (contains(@class, 'article-meta') and .//*[@class='name']) or contains(@class, 'user-info')]"
    "/descendant-or-self::*[(self::a or self::p or self::span or self::h3 or self::h4 or self::div)"
    " and not(*[not(self::a or self::span or self::em)])][normalize-space()][1]")
_PLATFORM_STATEMENT = re.compile(r"自媒体平台|作者上传并发布|仅提供信息(?:发布平台|存储空间)|号系信息发布平台|"
                                 r"本文系作者授权.{0,6}号发表|不代表.{0,10}的观点和立场")
_ACCOUNT_CARD = re.compile(r"粉丝|官方账号|官方帐号|\+\s*关注|关注$|关注 |创作者|文章\s*[\d,.]+|作品\s*[\d.]+")
FOOT_LINE = re.compile(r"^(?:上一篇|下一篇|上一条|下一条)|【?(?:打印本页|关闭窗口|打印|关闭|收藏)】?\s*$|版权所有|"
                       r"ICP[备证]|公网安备|^\s*(?:主办|承办|技术支持)[:：]|copyright|©", re.I)
HEAD_LABELS = re.compile(r"(?:来源|作者|发布|发布时间|发布日期|编辑|点击数?|阅读|浏览|字号|时间)\s*[:：]|"
                         r"[|｜]\s*来源|字号|打印|分享到")
EDITOR_LINE = re.compile(r"^[\s(（【\[]*(?:责任编辑|責任編輯|责编|编辑|編輯|审核|校对|监制)\s*[:：]?[^。！？]{0,30}[)）】\]]?\s*$")


class NewsPage(Page):
    kind = "news"
    heading_in_text = False
    short_articles = True

    @cached_property
    def _text(self) -> str:
        """The article body: trafilatura's main content without the article's
        metadata lines (the date/source line above the body, the editor credit
        under it), which are the article's furniture, not its text."""
        text = super()._text
        if not text or "text" in self.profile.fields:
            return text
        lines = text.splitlines()
        # a run of three or more menu-short lines before the body is a menu trafilatura kept
        run = 0
        while run < len(lines) and len(lines[run]) <= 6:
            run += 1
        if 3 <= run < len(lines) and len(lines[run]) > 20:  # and a paragraph follows
            lines = lines[run:]
        # the body starts after the headline: what comes before it is masthead and menus
        headline = clean(self.title())
        at = next((i for i, line in enumerate(lines[:8]) if headline and clean(line) == headline), None)
        if at is not None:
            lines = lines[at + 1:]
        while lines and len(lines[0]) <= 120 and FULL_DATE.search(lines[0]) and HEAD_LABELS.search(lines[0]):
            lines.pop(0)
        # under the body: the editor credit, then (in table layouts trafilatura takes
        # whole) the previous/next links, print/close buttons and the footer
        while lines and ((len(lines[-1]) <= 40 and EDITOR_LINE.match(lines[-1]))
                         or (len(lines[-1]) <= 200 and FOOT_LINE.search(lines[-1]))):
            lines.pop()
        return "\n".join(lines)

    def footer_text(self) -> str:
        return footer_text(self)

    # -- headline ------------------------------------------------------------
    def headline(self) -> str:
        """``<h1>`` when the title or og:title confirms it, else og:title or the
        ``<title>`` without the site's suffix."""
        page_title = clean(self.sel.xpath("//title/text()").get())
        og = self.metas.get("og:title", "")
        h1s = [clean(h.xpath("string()").get()) for h in self.sel.xpath("//h1")]
        h1s = [h for h in h1s if 4 <= len(h) <= 200]
        for h in h1s:
            if (page_title and h in page_title) or (og and (h in og or og in h)):
                return h
        if og and len(og) >= 4 and og != self.metas.get("og:site_name"):
            return title_head(og) if title_suffix(og) and title_suffix(og) == self.site_name_from_title() else og
        if len(h1s) == 1:
            return h1s[0]
        return title_head(page_title) or (h1s[0] if h1s else "")

    def title(self) -> str:
        return self.field("title", ("headline (h1 / og:title / <title>)", self.headline)) or ""

    # -- the article's own date line -----------------------------------------
    @cached_property
    def _article_head(self) -> str:
        return self._find_article_head()

    def article_head(self) -> str:
        return self._article_head

    def _find_article_head(self) -> str:
        """The few lines under the headline (date line, source, byline): the text
        after the ``<h1>`` in its container, before the body starts."""
        h1 = self.sel.xpath("//h1") or self._headline_elements()
        if not h1:
            # no headline element: only a page that says it is an article has a head to read
            if self.metas.get("og:type") == "article" or self.node("NewsArticle", "Article", "BlogPosting"):
                return "\n".join(self.text().splitlines()[:3])[:300]
            return ""
        node = h1[0]
        for _ in range(3):
            parent = node.xpath("..")
            if not parent:
                break
            node = parent[0]
            # text nodes joined with spaces: a date split over spans stays readable
            following = " ".join(t.strip() for t in node.xpath(
                ".//text()[not(ancestor::script) and not(ancestor::style)]").getall() if t.strip())
            headline = clean(h1[0].xpath("string()").get())
            idx = following.find(headline) if headline else -1
            after = clean(following[idx + len(headline):] if idx >= 0 else following)
            if len(after) > 20:
                return after[:300]
        return ""

    def headline_text(self) -> str | None:
        return None if self.sel.xpath("//h1") else (clean(self.title()) or None)

    def _headline_elements(self):
        """Without ``<h1>``: the element showing the headline (an ``<h2>``, a table
        cell's ``<font><b>``), found by its text."""
        headline = clean(self.title())
        if len(headline) < 4:
            return []
        for el in self.sel.xpath("//body//*[self::h2 or self::h3 or self::div or self::td or self::p or self::span "
                                 "or self::b or self::strong or self::font][not(ancestor::a)]"):
            if len(el.root) <= 3 and clean(el.xpath("string()").get()) == headline:
                return [el]
        return []

    def _date_from_head(self) -> str | None:
        return date_text(self.article_head()) or date_text(self._above_headline)

    @cached_property
    def _above_headline(self) -> str:
        """The line just above the headline in its header block (新华-like pages put
        the date there), never further than the headline's third ancestor."""
        h1 = self.sel.xpath("//h1") or self._headline_elements()
        if not h1:
            return ""
        headline = clean(h1[0].xpath("string()").get())
        node = h1[0]
        for _ in range(3):
            parent = node.xpath("..")
            if not parent:
                break
            node = parent[0]
            texts = " ".join(t.strip() for t in node.xpath(
                ".//text()[not(ancestor::script) and not(ancestor::style)]").getall() if t.strip())
            idx = texts.find(headline) if headline else -1
            before = clean(texts[:idx]) if idx > 0 else ""
            if before:
                return before[-150:]
        return ""

    def _date_in_text(self) -> str | None:
        """A dated first line of the body, with its year: a bare '2月13日，' or
        '今天下午' opening the article is the day of the event, not of the page."""
        first_lines = "\n".join(self.text().splitlines()[:2])
        m = FULL_DATE.search(first_lines)
        return m.group(0).strip() if m and normalise_date(m.group(0)) else None

    def _script_date(self) -> str | None:
        """A WeChat article's publication time, set by its script (``var ct =
        "1741429800"``) while the visible ``#publish_time`` stays empty."""
        for script in self.sel.xpath("//script[not(@src)]/text()").getall():
            m = _WECHAT_CT.search(script)
            if m:
                return m.group(1)
        return None

    def _account_name(self) -> str | None:
        return platform_account(self)

    def _byline_in(self, text: str) -> str | None:
        text = join_spaced_names(text or "")
        m = BYLINE.search(text) or BYLINE_EN.search(text)
        return m.group(0) if m else None

    def _byline_in_text(self) -> str | None:
        """'记者 李明' at the start or the end of the body, only on pages dated like
        an article (a recruitment page's '诚聘记者：火热招募' is not a byline)."""
        if not (self.metas.get("article:published_time") or find_date(self.text())
                or normalise_date(self.article_head()) or self._date_from_head()):
            return None
        lines = self.text().splitlines()
        return self._byline_in("\n".join(lines[:2] + lines[-2:]))

    def kind_fields(self) -> dict[str, Any]:
        art = self.node("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting")
        outlet = outlet_of(self)
        author = dig(art, "author", "name") or (dig(art, "author") if isinstance(dig(art, "author"), str) else None)
        byline = self.typed_field(
            "byline", normalise_byline,
            ("json-ld author", lambda: author),
            *[(f"meta {k}", lambda k=k: self.metas.get(k)) for k in AUTHOR_META],
            ("labelled value", lambda: self.label("author")),
            ("article head", lambda: self._byline_in(self.article_head())),
            ("main text", self._byline_in_text), args=(outlet,))
        date_sources = [("json-ld datePublished", lambda: dig(art, "datePublished")),
                        *[(f"meta {k}", lambda k=k: self.metas.get(k)) for k in DATE_META],
                        ("<time datetime>", lambda: self.sel.css(
                            "article time::attr(datetime), time[pubdate]::attr(datetime),"
                            " time[itemprop=datePublished]::attr(datetime)").get()),
                        # the date as shown, not the rest of the labelled line
                        ("labelled value", lambda: date_text(self.label("published") or "")
                         or self.label("published")),
                        ("article head", self._date_from_head),
                        ("page script (WeChat ct)", self._script_date),
                        ("main text", self._date_in_text)]
        published = self.typed_field("published", normalise_date, *date_sources)
        if published and len(published) == 10 and "published" not in self.profile.fields:
            # metadata gave the day only: the article's own date line may give the time
            head = normalise_date(self.article_head())
            if head and head[:10] == published and len(head) > 10:
                published = head
                self.origins["published"] += " + article head (time)"
        return {
            "outlet": outlet,
            "byline": byline,
            "published": published,
            "licence_claim": licence_claim_of(self),
            "contact": self.field("contact",
                                  ("chrome", lambda: " ".join(lines_matching(self.footer_text(), CONTACT, 3)))),
        }


# -- site-level news fields: on articles and on a news site's home and listing pages --
def platform_account(page) -> str | None:
    """A platform article's account (a WeChat 公众号's nickname, a 头条号, 百家号,
    企鹅号 or 搜狐号): the outlet there, not the platform's og:site_name."""
    found = page.sel.css("#js_name, .profile_nickname, .rich_media_meta_nickname a")
    if found:
        return clean(found[0].xpath("string()").get())
    if page.metas.get("mediaid") and not page.metas["mediaid"].isdigit():
        return page.metas["mediaid"]
    # a self-media platform's statement ("本文为…自媒体平台…作者上传并发布"): the 来源 is the account
    source = page.label("source")
    if source and 2 <= len(source) <= 20 and _PLATFORM_STATEMENT.search(page.full_text()):
        return clean(source)
    # an account card: a name element beside a follow button, fan count or
    # "官方账号" (an outlet's own author card has none of them)
    for el in page.sel.xpath(_ACCOUNT_NAME_XPATH):
        name = clean(el.xpath("string()").get())
        if not (2 <= len(name) <= 20) or re.search(r"记者|编辑|作者|[:：|｜]", name):
            continue
        for block in el.xpath("ancestor::*[position() <= 3]"):
            if _ACCOUNT_CARD.search(clean(block.xpath("string()").get())):
                return name
    return None



def footer_text(page) -> str:
    foot = page.sel.css("footer, #footer, .footer")
    return html_text.selector_to_text(foot) if foot else page.chrome


def outlet_of(page) -> str | None:
    """The outlet a news page shows: the article's publisher, a platform account,
    the site's organisation or name; the profile's ``outlet`` selector first."""
    art = page.node("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting")
    org = page.node("NewsMediaOrganization", "Organization")
    return page.field("outlet", ("json-ld publisher", lambda: dig(art, "publisher", "name")),
                      ("platform account", lambda: platform_account(page)),
                      ("json-ld organization", lambda: dig(org, "name")),
                      ("meta og:site_name", lambda: page.metas.get("og:site_name")),
                      # a home page's title is "site - slogan"; an article's "headline - site"
                      ("<title> head (start page)", lambda: title_head(clean(page.sel.xpath("//title/text()").get()))
                       if page.role == "start" else None),
                      ("<title> suffix", lambda: page.site_name_from_title()),
                      ("chrome copyright", lambda: page.site_facts().get("copyright")))


def licence_claim_of(page) -> str | None:
    raw_claim = page.field("licence_claim",
                           ("chrome", lambda: " ".join(lines_matching(footer_text(page), LICENCE_CLAIM, 3))))
    return page.typed("licence_claim", raw_claim, normalise_news_licence)


def news_site_fields(page) -> dict[str, Any]:
    """``outlet`` and ``licence_claim`` of any page of a news site (a home or
    listing page is a ``page`` item: they go into its ``site``)."""
    return {k: v for k, v in (("outlet", outlet_of(page)), ("licence_claim", licence_claim_of(page))) if v}
