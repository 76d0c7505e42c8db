"""News pages: outlet, byline, publication date, body, licence claim and
about/contact text."""

from __future__ import annotations

import re
from typing import Any

import html_text

from spiders.pages.base import Page, dig, title_suffix
from spiders.pages.shop import lines_matching

LICENCE_CLAIM = re.compile(
    r"互联网新闻信息服务许可|新闻信息服务许可证|新闻记者证|刊号|CN\s?\d{2}-\d{4}|许可证编号|"
    r"ICP[备证]|新闻出版|广播电视节目制作经营许可")
CONTACT = re.compile(r"联系(?:我们|电话|方式|邮箱)?|电话|邮箱|E-?mail|地址|QQ|微信", re.I)
BYLINE = re.compile(r"(?:记者|記者|作者|通讯员|通訊員|编辑|編輯)(?![站证證])\s*[:：/]?\s*([\u4e00-\u9fa5]{2,4}(?:[、，,]\s*[\u4e00-\u9fa5]{2,4}){0,3})")
DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?(?:\s+(\d{1,2}:\d{2}(?::\d{2})?))?")


def find_date(text: str) -> str:
    m = DATE.search(text or "")
    if not m:
        return ""
    y, mo, d, t = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}" + (f" {t}" if t else "")


class NewsPage(Page):
    kind = "news"

    def footer_text(self) -> str:
        foot = self.sel.css("footer, #footer, .footer")
        return html_text.selector_to_text(foot) if foot else self.full_text()

    def _byline_in_text(self) -> str | None:
        """'记者 李明' in the body, only on pages dated like an article (a recruitment
        page's '诚聘记者：火热招募' is not a byline)."""
        if not (self.metas.get("article:published_time") or find_date(self.text())):
            return None
        m = BYLINE.search(self.text())
        return m.group(1) if m else None

    def kind_fields(self) -> dict[str, Any]:
        art = self.node("NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting")
        org = self.node("NewsMediaOrganization", "Organization")
        byline = self.field(
            "byline", lambda: dig(art, "author", "name"),
            lambda: dig(art, "author") if isinstance(dig(art, "author"), str) else None,
            lambda: self.metas.get("author"),
            lambda: self._byline_in_text())
        return {
            "outlet": self.field("outlet", lambda: dig(art, "publisher", "name"),
                                 lambda: dig(org, "name"),
                                 lambda: self.metas.get("og:site_name"),
                                 lambda: title_suffix(self.title())),
            "byline": byline,
            "published": self.field("published", lambda: dig(art, "datePublished"),
                                    lambda: self.metas.get("article:published_time"),
                                    lambda: self.sel.css("time::attr(datetime)").get(),
                                    lambda: find_date(self.full_text())),
            "licence_claim": self.field("licence_claim",
                                        lambda: " ".join(lines_matching(self.footer_text(), LICENCE_CLAIM, 3))),
            "contact": self.field("contact",
                                  lambda: " ".join(lines_matching(self.footer_text(), CONTACT, 3))),
        }
