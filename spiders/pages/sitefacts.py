"""Site-level facts, read on purpose from a page's chrome: the licence a shop
or outlet shows, the ICP filing, the 统一社会信用代码, the copyright holder and
the operator. Every page of a site shows them (home and listing pages too),
so every item carries them in ``site``; an ICP number or a credit code is
kept as what it is, never as a licence."""

from __future__ import annotations

import re
from typing import Any

from spiders.normalise.fields import CREDIT_CODE, ICP, NEWS_LICENCE, SHOP_LICENCE
from spiders.pages.base import clean, title_head

COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–~]\s*\d{4})?)?\s*"
                       r"([\u4e00-\u9fffA-Za-z·（）()]{2,30}?)\s*(?:版权所有|all rights|保留所有)", re.I)
RIGHTS = re.compile(r"([\u4e00-\u9fff]{2,20}?)\s*版权所有")
OPERATOR = re.compile(r"(?:主办单位|主办|运营单位|运营方|经营主体|经营者|公司名称)\s*[:：]\s*([\u4e00-\u9fff（）()·A-Za-z]{2,40})")


def _one(pattern: re.Pattern, text: str, group: int = 0) -> str | None:
    m = pattern.search(text)
    return re.sub(r"\s+", "", m.group(group)) if m else None


def site_facts(page) -> dict[str, Any]:
    chrome = page.chrome
    # the chrome first; the whole page when the main content took the footer in
    texts = (chrome, page.full_text())
    facts: dict[str, Any] = {}
    for key, pattern, group in (("icp", ICP, 0), ("news_licence", NEWS_LICENCE, 1),
                                ("shop_licence", SHOP_LICENCE, 0), ("credit_code", CREDIT_CODE, 0),
                                ("operator", OPERATOR, 1)):
        value = next((v for v in (_one(pattern, t, group) for t in texts) if v), None)
        if value:
            facts[key] = value
    m = next((m for t in texts for m in (COPYRIGHT.search(t) or RIGHTS.search(t),) if m), None)
    if m:
        facts["copyright"] = m.group(1).strip()
    # a home page's title is "site - slogan"; other pages' "page - site"
    name = page.metas.get("og:site_name") or (
        title_head(clean(page.sel.xpath("//title/text()").get())) if page.role == "start" else None) \
        or page.site_name_from_title()
    if name:
        facts["name"] = name
    return facts
