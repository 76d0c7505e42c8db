"""Identifiers in text (classifiers.identifiers): types, normalisation, offsets,
evasions and the caps against price lists and ISBN tables."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from classifiers.identifiers import MAX_PER_TYPE, extract

USCC = "91110108MA01ABCD1X"[:17]
USCC = USCC + uscc.calc_check_digit(USCC)


def keys(text: str) -> set[str]:
    return {i.key for i in extract(text).identifiers}


def test_every_type_with_offsets_into_the_original():
    text = (f"店主微信：xbzl2025 QQ：12345678 电话 13812345678 座机 010-62345678 邮箱 Shop@Ziliao.example.com "
            f"链接 https://pan.baidu.com/s/1AbCd 提取码：x7k2 官网 https://www.xueba.com.cn/shop "
            f"支付宝：13912345678 统一社会信用代码 {USCC} 京ICP备12345678号-2 "
            f"出版物经营许可证：新出发京批字第直0001号 互联网新闻信息服务许可证11120180003 "
            f"本站由北京华夏法治文化传媒有限公司运营")
    found = extract(text).identifiers
    got = {i.key for i in found}
    assert {"wechat:xbzl2025", "qq:12345678", "phone:+8613812345678", "phone:+861062345678",
            "email:shop@ziliao.example.com", "netdisk:pan.baidu.com/s/1abcd", "domain:baidu.com",
            "netdisk_code:x7k2", "url:www.xueba.com.cn/shop", "domain:xueba.com.cn",
            "payment:alipay:+8613912345678", f"uscc:{USCC}", "icp:京ICP备12345678号",
            "pub_licence:新出发京批字第直0001号", "news_licence:11120180003",
            "company:北京华夏法治文化传媒有限公司"} <= got
    for ident in found:
        assert text[ident.start:ident.end] == ident.raw
        assert ident.raw  # points at something real


@pytest.mark.parametrize("text", [
    "微信：ｘｂｚｌ２０２５",                 # full-width
    "V信 xbzl2025",                          # stand-in name
    "加薇 xb\u200bzl\u200d2025",             # zero-width joiners inside the id
    "wx: XBZL2025",
])
def test_wechat_evasions_normalise_to_one_key(text):
    assert "wechat:xbzl2025" in keys(text)


@pytest.mark.parametrize("text", [
    "电话 138 1234 5678", "电话 138-1234-5678", "电话 一三八一二三四五六七八", "电话 壹叁捌壹贰叁肆伍陆柒捌",
    "电话 １３８１２３４５６７８", "电话 1 3 8 1 2 3 4 5 6 7 8", "电话 +86 138 1234 5678",
])
def test_phone_evasions_normalise_to_e164(text):
    assert "phone:+8613812345678" in keys(text)


def test_qq_stand_ins():
    assert "qq:987654321" in keys("扣扣 987654321")
    assert "qq:987654321" in keys("企鹅号：９８７６５４３２１")


def test_invalid_numbers_are_not_kept():
    found = extract(f"代码 {USCC[:-1]}{'0' if USCC[-1] != '0' else '1'} 电话 12345678901 价格 9.9 5.8 19.9 12.8")
    assert not [i for i in found.identifiers if i.type in ("uscc", "phone")]
    assert found.dropped.get("invalid/uscc") == 1


def test_isbn_table_and_price_list_make_no_phone_numbers():
    rows = "\n".join(f"{n}. 978-7-02-{100000 + n:06d}-{n % 10} ￥{n % 90 + 9}.{n % 10} 已售 {1000 + n}"
                     for n in range(3000))
    found = extract(rows)
    assert not [i for i in found.identifiers if i.type == "phone"]


def test_caps_per_type_are_counted():
    text = " ".join(f"电话 1390000{n:04d}" for n in range(200))
    found = extract(text)
    phones = [i for i in found.identifiers if i.type == "phone"]
    assert len(phones) == MAX_PER_TYPE
    assert found.dropped["phone"] > 0


def test_domains_use_the_public_suffix_list():
    assert "domain:example.co.uk" in keys("see https://a.b.example.co.uk/x")
    assert "domain:xueba.com.cn" in keys("www.xueba.com.cn")
    assert not [k for k in keys("file.pdf readme.txtx") if k.startswith("domain:")]
