"""The typed-field normalisers on the formats real Chinese pages print."""

from __future__ import annotations

import datetime as dt

import pytest

from spiders.normalise import (normalise_age_rating, normalise_byline, normalise_date, normalise_downloads,
                               normalise_news_licence, normalise_price, normalise_shop_licence,
                               normalise_version)
from spiders.pages.app import app_name
from spiders.pages.labelled import labelled_values
from lxml import html

FETCHED = dt.datetime(2025, 3, 11, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in Asia/Shanghai


@pytest.fixture(autouse=True)
def office_zone(monkeypatch):
    monkeypatch.setenv("PATROL_TIMEZONE", "Asia/Shanghai")


@pytest.mark.parametrize("shown, expected", [
    ("2025年2月27日", "2025-02-27"), ("2025/01/09", "2025-01-09"), ("2025.03.10", "2025-03-10"),
    ("发布时间：2025-03-10 15:20", "2025-03-10T15:20:00+08:00"),
    ("2025年03月10日 15:20:09 来源：某报", "2025-03-10T15:20:09+08:00"),
    ("2025-11-03T08:30:00+08:00", "2025-11-03T08:30:00+08:00"),
    ("2025-11-03T00:30:00Z", "2025-11-03T08:30:00+08:00"),
    ("3小时前", "2025-03-11T09:00:00+08:00"), ("5分钟前", "2025-03-11T11:55:00+08:00"),
    ("昨天 15:20", "2025-03-10T15:20:00+08:00"), ("前天", "2025-03-09"), ("2天前", "2025-03-09"),
    ("03-09 10:20", "2025-03-09T10:20:00+08:00"), ("12-30", "2024-12-30"),
    ("暂无", None), ("2025-13-45", None),
])
def test_dates(shown, expected):
    assert normalise_date(shown, FETCHED) == expected


def test_dates_follow_the_office_zone(monkeypatch):
    monkeypatch.setenv("PATROL_TIMEZONE", "UTC")
    assert normalise_date("2025-11-03T08:30:00+08:00", FETCHED) == "2025-11-03T00:30:00+00:00"


@pytest.mark.parametrize("shown, expected", [
    ("V1.0.6", "1.0.6"), ("当前版本：13.8.2", "13.8.2"), ("版本 v2.3.0-beta", "2.3.0-beta"), ("64.0MB", None)])
def test_version(shown, expected):
    assert normalise_version(shown) == expected


@pytest.mark.parametrize("shown, expected", [
    ("3岁以上", "3+"), ("适用年龄 8岁以上", "8+"), ("12+", "12+"), ("18岁及以上", "18+"), ("全年龄", "0+"),
    ("未分级", None)])
def test_age_rating(shown, expected):
    assert normalise_age_rating(shown) == expected


@pytest.mark.parametrize("shown, expected", [
    ("1.2亿次", 120_000_000), ("35万+", 350_000), ("10,000+", 10_000), ("1,234 万", 12_340_000),
    ("5000万次下载", 50_000_000), ("64.0MB", None), ("大小：64.0 MB", None), ("大小: 64 下载 3500万次", 35_000_000)])
def test_downloads_never_a_size(shown, expected):
    assert normalise_downloads(shown) == expected


@pytest.mark.parametrize("shown, expected", [
    ("¥39.80 定价¥59.00", 39.8), ("原价：¥59.00 促销价：¥39.80", 39.8), ("满99元包邮 ¥25.00", 25.0),
    ("定价 ¥88.00 ¥66.00", 66.0), ("券后价 ¥19.9 原价 ¥29.9", 19.9), ("免费", None)])
def test_selling_price(shown, expected):
    assert normalise_price(shown) == expected


def test_licences_by_pattern():
    line = "版权所有 ©2025 某书店 | 出版物经营许可证：新出发京零字第东190123号 | 京ICP备12345678号-1"
    assert normalise_shop_licence(line) == "新出发京零字第东190123号"
    assert normalise_shop_licence("出版物经营许可证：办理中 京ICP备12345678号") == "出版物经营许可证：办理中"
    assert normalise_shop_licence("京ICP备12345678号 统一社会信用代码 91110101MA01ABCD2X") is None
    assert (normalise_news_licence("互联网新闻信息服务许可证编号：11120180003 | 京ICP备12345678号")
            == "互联网新闻信息服务许可证编号：11120180003")
    assert normalise_news_licence("京ICP备12345678号") is None


@pytest.mark.parametrize("shown, expected", [
    ("本报记者 王敏", "王敏"), ("记者 李明 通讯员 张华", "李明、张华"), ("责任编辑：赵六 记者：钱七", "钱七"),
    ("作者：城南日报", None), ("zhang@example.com", None), ("了解到，今年", None), ("记者 王敏 摄影 李四", "王敏"),
    ("文/图 刘洋", "刘洋"), ("記者 王小華 報導", "王小華")])
def test_byline(shown, expected):
    assert normalise_byline(shown, "城南日报") == expected


def test_app_name_without_version():
    assert app_name("口算小达人V1.0.6") == "口算小达人" and app_name("某某 官方版下载") == "某某"


def test_labelled_values_in_several_layouts():
    page = html.fromstring("""<html><body>
    <table><tr><th>开发商</th><td>甲公司</td><th>大小</th><td>64.0MB</td></tr></table>
    <dl><dt>下载次数：</dt><dd>35万+</dd></dl>
    <p><em>当前版本：</em>V2.1</p>
    <p>更新日期：2025-02-27 | 适用年龄：8岁以上</p>
    <div class="related"><p>下载量：9亿</p><p>软件分类：游戏</p></div>
    <ul><li><span>分类</span><span>教育学习</span></li></ul>
    </body></html>""")
    found = {k: v for k, (_label, v) in labelled_values(page).items()}
    assert found == {"developer": "甲公司", "size": "64.0MB", "downloads": "35万+", "version": "V2.1",
                     "updated": "2025-02-27", "age_rating": "8岁以上", "category": "教育学习"}


def _page(kind: str, html: str):
    from scrapy.http import HtmlResponse

    from spiders.pages import page_class
    from spiders.profiles import load_profile
    from tests.spiders.test_page_fixtures import GENERIC
    response = HtmlResponse(url="https://x.example/p.html", body=html.encode("utf-8"), encoding="utf-8")
    page = page_class(kind)(response, load_profile(GENERIC / f"generic-{kind}.yaml"))
    return page, page.to_item()


def test_a_page_without_main_content_is_an_item_with_empty_text_counted():
    page, item = _page("news", "<html><body><div class='main-nav'><a href='/'>首页</a> <a href='/n'>新闻</a> "
                               "<a href='/c'>财经</a></div><div class='footer'>某网 版权所有</div></body></html>")
    assert item["text"] == "" and "no_main_content" in page.issues
    assert "首页" in item["chrome"]


def test_a_value_that_does_not_normalise_keeps_its_raw_value_and_is_counted():
    page, item = _page("app", "<html><body><h1>某应用</h1><table><tr><th>更新时间</th><td>近期</td></tr>"
                              "<tr><th>下载量</th><td>64.0MB</td></tr></table><p>" + "应用介绍。" * 30 + "</p></body></html>")
    assert item["updated"] is None and item["raw"]["updated"] == "近期" and "unparsed/updated" in page.issues
    assert item["downloads"] is None and item["raw"]["downloads"] == "64.0MB"


@pytest.mark.parametrize("shown, expected", [
    ("Published: Mar 10, 2025 09:12 PM", "2025-03-10T21:12:00+08:00"),
    ("Sept. 3, 2024 at 8:05 am", "2024-09-03T08:05:00+08:00"),
    ("10 March 2025", "2025-03-10"), ("Updated: Dec 31, 2024", "2024-12-31"),
])
def test_english_dates_of_chinese_outlets(shown, expected):
    assert normalise_date(shown, FETCHED) == expected


def test_a_day_word_in_a_sentence_is_no_date_line():
    from spiders.normalise.dates import date_text
    assert date_text("原创 文｜林小雨 江城晚报 今天下午，江城大桥主桥合龙！这座横跨长江的大桥") is None
    assert date_text("江城晚报 今天 09:12") == "今天 09:12"
    assert date_text("昨天") == "昨天"


@pytest.mark.parametrize("shown, expected", [
    ("文｜陈思远", "陈思远"), ("记者｜周晓梅 编辑｜刘一", "周晓梅"),
    ("By Li Qiang", "Li Qiang"), ("By Zhang Wei and Li Na", "Zhang Wei、Li Na"),
    ("By Li Qiang Published: Mar 10, 2025", "Li Qiang"),
])
def test_bylines_with_full_width_bars_and_english(shown, expected):
    assert normalise_byline(shown) == expected


@pytest.mark.parametrize("shown, expected", [
    ("价格 ¥98.00 促销价 ¥49.90 满99元包邮", 49.9), ("京 选 价 ￥ 59.00 到 手 价 ￥45.80 定 价 ￥88.00", 45.8),
    ("¥12.9 拼单价 单独购买 ¥19.9", 12.9), ("售价 ￥28.00 定价 ￥59.70 运费：快递 ¥8.00", 28.0),
])
def test_price_is_what_the_buyer_pays_now(shown, expected):
    assert normalise_price(shown) == expected


@pytest.mark.parametrize("shown, expected", [
    ("本报记者  王 浩", "王浩"), ("By ZHANG WEI in Beijing | Sino Daily", "ZHANG WEI"),
    ("作者：宣传部", None), ("仅代表该作者观点", None), ("记者 李明 通讯员 张华", "李明、张华"),
])
def test_bylines_spaced_upper_case_and_departments(shown, expected):
    assert normalise_byline(shown) == expected
