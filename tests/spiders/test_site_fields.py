"""Site-level fields hold whatever a profile overrides: a profile that selects
the ``title`` keeps the generic outlet and shop name (they come from the page's
own <title>, site name and chrome, never from the overriding title)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from spiders.pages import page_class
from spiders.profiles import load_profile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
CASES = [("unseen-news", "portal-date-source-block", "outlet"), ("unseen-news", "government-art-info-meta-pubdate", "outlet"),
         ("unseen-shop", "ebook-seller-icp-credit-only", "shop_name"), ("unseen-shop", "kongfz-like-gbk-sale-and-list", "shop_name")]


@pytest.mark.parametrize("profile_name, case, field", CASES)
def test_overriding_the_title_keeps_site_fields(tmp_path, profile_name, case, field):
    kind = profile_name.split("-")[1]
    profile_file = tmp_path / f"{profile_name}.yaml"
    profile_file.write_text(f"name: {profile_name}\nkind: {kind}\nstart_urls: ['https://x.example/']\n"
                            "fields:\n  title: 'xpath://h1'\n", encoding="utf-8")
    profile = load_profile(profile_file)
    expected = json.loads((FIXTURES / profile_name / case / "expected.json").read_text(encoding="utf-8"))
    response = HtmlResponse(url=expected["url"], body=(FIXTURES / profile_name / case / "page.html").read_bytes(),
                            headers={"Content-Type": expected["content_type"]}, request=Request(expected["url"]))
    item = page_class(kind)(response, profile, role="detail").to_item()
    assert item["title"] == " ".join(response.xpath("string(//h1)").get().split())  # the selector's value
    assert item[field] == expected["fields"][field]
