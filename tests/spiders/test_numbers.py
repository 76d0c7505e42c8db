"""Downloads, ratings and prices as shown on Chinese app and shop pages."""

import pytest

from spiders.pages.app import app_id_from_url, parse_downloads, parse_rating
from spiders.pages.shop import parse_price


@pytest.mark.parametrize("text, expected", [
    ("1.2亿次", 120_000_000), ("35万+", 350_000), ("10,000+", 10_000), ("3500万次下载", 35_000_000),
    ("下载 5千万", 50_000_000), ("2.5k", 2_500), ("1,234", 1_234), ("12", 12), ("暂无", None),
    ("", None), (None, None), (4321, 4321), ("0.3亿", 30_000_000), ("100万以上", 1_000_000),
])
def test_parse_downloads(text, expected):
    assert parse_downloads(text) == expected


def test_rating_price_and_app_id():
    assert parse_rating("4.7分") == 4.7 and parse_rating("暂无评分") is None
    assert parse_price("¥1,299.00") == 1299.0 and parse_price("免费") is None
    assert app_id_from_url("http://x/app/com.kid.learn.html") == "com.kid.learn"
    assert app_id_from_url("http://x/detail?id=123&x=1") == "123"
