"""Linking on both stores: shared identifiers join flags across sites, hubs do
not, a dismissed item drops out, and a rebuild finds the same cases."""

from __future__ import annotations

from patrol.cases import on_decided, rebuild
from patrol.cases.views import case_of, load_case
from patrol.store.common import flag_id
from tests.cases.conftest import flagged

CAT = "unlicensed_publication"


def fid(url: str) -> str:
    return flag_id(url, CAT)


def test_two_storefronts_sharing_a_wechat_id_are_one_case(store, crawl):
    counts = crawl(flagged("http://shop-a.example/1", "shop-a", "电子书 网盘发货 微信：xbzl2025"),
                   flagged("http://shop-b.example/9", "shop-b", "全套PDF 加 V信 ｘｂｚｌ２０２５ 秒发"),
                   flagged("http://other.example/2", "other", "电子书 微信：someoneelse1"))
    assert counts["patrol/cases/entities"] >= 3
    case = load_case(store, fid("http://shop-a.example/1"))
    assert {m["url"] for m in case["members"]} == {"http://shop-a.example/1", "http://shop-b.example/9"}
    assert case["sources"] == ["shop-a", "shop-b"]
    assert "wechat:xbzl2025" in case["joining"]
    for member in case["members"]:
        assert member["joined_by"] == ["wechat:xbzl2025"]
    assert case_of(store, fid("http://other.example/2")) is None


def test_a_platform_number_across_20_shops_is_a_hub_and_merges_nothing(store, crawl):
    platform = "客服热线 400-810-8888 平台客服电话 13800000000"
    records = [flagged(f"http://shop{n}.example/", f"shop{n}", f"{platform} 店主微信：owner{n:04d}x")
               for n in range(20)]
    # two of them are really one seller: they share a payment account too
    records[3]["item"]["text"] += " 支付宝：seller@pay.example.com"
    records[7]["item"]["text"] += " 支付宝：seller@pay.example.com"
    crawl(*records)
    cases, total = store.list_cases()
    assert total == 1
    case = load_case(store, cases[0]["case_id"])
    assert {m["source"] for m in case["members"]} == {"shop3", "shop7"}
    assert case["joining"] == ["email:seller@pay.example.com", "payment:alipay:seller@pay.example.com"]
    assert "phone:+8613800000000" in case["hubs"]
    assert rebuild(store)["cases"] == 1
    assert store.list_cases()[1] == 1


def test_a_dismissed_item_drops_out_of_its_group(store, crawl):
    crawl(*[flagged(f"http://s{n}.example/x", f"s{n}", "网盘资料 微信：xbzl2025") for n in range(3)])
    assert len(load_case(store, fid("http://s0.example/x"))["members"]) == 3
    flag = store.decide(fid("http://s1.example/x"), "ana", "dismissed", "not a seller")
    on_decided(store, flag)
    assert store.find_entities(flag_ids=[flag["id"]]) == []
    assert {m["source"] for m in load_case(store, fid("http://s0.example/x"))["members"]} == {"s0", "s2"}
    on_decided(store, store.decide(fid("http://s2.example/x"), "ana", "dismissed", "no"))
    assert case_of(store, fid("http://s0.example/x")) is None
    assert store.list_cases()[1] == 0


def test_cases_join_through_a_chain_and_rebuild_agrees(store, crawl):
    crawl(flagged("http://a.example/", "a", "微信：aaaa1111 QQ：55556666"),
          flagged("http://b.example/", "b", "QQ：55556666 电话 13912345678"),
          flagged("http://c.example/", "c", "联系电话 139 1234 5678"),
          flagged("http://d.example/", "d", "微信：dddd4444"))
    before = load_case(store, fid("http://c.example/"))
    assert {m["source"] for m in before["members"]} == {"a", "b", "c"}
    stats = rebuild(store, extract=True)
    assert stats["cases"] == 1 and stats["linked_flags"] == 3
    after = load_case(store, fid("http://a.example/"))
    assert after["id"] == before["id"]
    assert {m["flag_id"] for m in after["members"]} == {m["flag_id"] for m in before["members"]}


def test_identifiers_come_from_the_evidence_passages_when_named(store, crawl):
    text = "正文 微信：notthis01 " + "填充" * 50 + " 卖家微信：xbzl2025 网盘"
    start = text.index("卖家")
    crawl(flagged("http://p.example/", "p", text, evidence={"passages": [{"start": start, "end": len(text)}]}))
    ents = store.find_entities(flag_ids=[fid("http://p.example/")])
    wechat = [e for e in ents if e["type"] == "wechat"]
    assert [e["value"] for e in wechat] == ["xbzl2025"]
    assert text[wechat[0]["start"]:wechat[0]["end"]] == "xbzl2025"
