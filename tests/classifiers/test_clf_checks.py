import pytest

from classifiers.checks import sells_publications, check_outlet, check_shop, run_checks
from classifiers.errors import DataError

BOOKS = [{"title": "高中数学教辅全套 人教版", "price": "39.0", "url": "http://shop.demo/p/1"}]


def test_shop_selling_publications_without_licence():
    hits = check_shop({"kind": "shop", "shop_name": "学霸文具", "products": BOOKS, "licence": ""})
    assert len(hits) == 1 and hits[0].category == "unlicensed_publication"
    assert "学霸文具" in hits[0].reason and "出版物经营许可证" in hits[0].reason


def test_shop_licence_without_the_licence_form():
    hits = check_shop({"kind": "shop", "shop_name": "学霸文具", "products": BOOKS,
                       "licence": "营业执照 91110105MA01234567"})
    assert len(hits) == 1 and "does not have the form" in hits[0].reason


def test_shop_with_a_valid_licence_passes():
    doc = {"kind": "shop", "shop_name": "城南书店", "products": BOOKS,
           "licence": "出版物经营许可证：新出发京零字第东110035号"}
    assert check_shop(doc) == []
    doc = {"kind": "shop", "shop_name": "城南书店", "products": BOOKS, "sells_publications": True,
           "text": "本店持有出版物经营许可证 新出发沪批字第直1234号，正版保障"}
    assert check_shop(doc) == []


def test_shop_not_selling_publications_passes():
    assert check_shop({"kind": "shop", "shop_name": "数码配件", "products": [{"title": "手机壳"}]}) == []
    assert check_shop({"kind": "shop", "shop_name": "数码配件", "products": [{"title": "手机壳"}],
                       "sells_publications": False}) == []


def test_the_classifier_decides_on_normalised_text_not_the_spiders_false():
    # a spider's regex on raw text said False: traditional, full-width and spaced-out forms
    for title in ("經典圖書 全套", "熱門電子書合集", "Ｐｄｆ 合集 打包", "考 研 教 材 影 印"):
        doc = {"kind": "shop", "shop_name": "好物小店", "products": [{"title": title, "price": "9.9"}],
               "sells_publications": False}
        assert sells_publications(doc), title
        hits = check_shop(doc)
        assert len(hits) == 1 and hits[0].rule == "shop_licence", title


def test_unregistered_outlet_recruiting_reporters():
    hits = check_outlet({"kind": "news", "outlet": "中华法治观察网", "url": "http://zhfzgc.example/about",
                         "text": "诚招各地记者站站长，统一办理记者证、采访证"})
    assert len(hits) == 1 and hits[0].category == "fake_media"
    assert "not in the registry" in hits[0].reason and "中华法治观察网" in hits[0].reason


def test_name_imitating_a_registered_outlet():
    hits = check_outlet({"kind": "news", "outlet": "人民日报社区网", "url": "http://rmrbsqw.example/",
                         "text": "社区新闻"})
    assert any("imitates" in h.reason and "人民日报" in h.reason for h in hits)


def test_registered_outlet_recruiting_passes():
    doc = {"kind": "news", "outlet": "人民日报", "url": "https://www.people.com.cn/jobs",
           "text": "人民日报社招聘记者2名，要求新闻学专业"}
    assert run_checks(doc) == []


def test_registered_name_on_a_foreign_domain():
    hits = check_outlet({"kind": "news", "outlet": "人民日报", "url": "http://renmin-ribao.example/",
                         "text": "本报诚招特约记者"})
    assert hits and "is not that outlet's domain" in hits[0].reason


def test_plain_text_gets_no_structural_verdict():
    assert run_checks({"text": "诚招记者站站长", "source_kind": "news"}) == []


def test_bad_registry_names_file_and_line(tmp_path):
    bad = tmp_path / "outlets.csv"
    bad.write_text("name,domain\n城南日报,\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"outlets.csv: line 2: fields 'name' and 'domain'"):
        check_outlet({"kind": "news", "outlet": "某某网", "url": "http://x.example/"}, bad)


def test_a_check_alone_asks_for_review_with_its_reason(model):
    doc = {"kind": "shop", "source_kind": "shop", "url": "http://shop.demo/s/1", "title": None, "text": None,
           "shop_name": "学霸文具", "licence": None, "sells_publications": True,
           "products": [{"title": "高中数学教辅 人教版", "price": "39.0", "url": "http://shop.demo/p/1"}]}
    r = model.classify(doc)
    assert r["verdicts"]["unlicensed_publication"] == "review"
    assert r["scores"]["unlicensed_publication"] >= model.thresholds["unlicensed_publication"]["review"]
    rules = r["evidence"]["unlicensed_publication"]["rules"]
    assert rules and "教辅" in rules[0]["reason"] and "出版物经营许可证" in rules[0]["reason"]


def test_the_shipped_registry_holds_no_demo_outlet():
    """The demo registers its fictional newspaper in its own registry (patrol.demo.web), not here."""
    from classifiers.checks import REGISTRY_FILE
    text = REGISTRY_FILE.read_text(encoding="utf-8")
    assert "城南日报" not in text and ".demo" not in text and "127.0.0.1" not in text
