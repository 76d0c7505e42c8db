"""A shop crawl against a local site: listing → products, the 资质 page fills the licence,
a GBK page, a page without any charset, robots.txt, a dead link."""

from __future__ import annotations

SHOP = """
name: test_shop
kind: shop
start_urls: ["${SITE_URL}/"]
links:
  detail: [".products"]
  next: ["a.next"]
  about: ["footer a.licence"]
fields:
  shop_name: "#shop-name::text"
  products:
    item: ".product"
    title: ".title::text"
    price: ".price::text"
    url: "a::attr(href)"
"""

FOOT = '<footer><a class="licence" href="/zizhi.html">资质证照</a></footer>'


def page(title: str, body: str, charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>{title}</title></head><body>{body}{FOOT}</body></html>"


def spec() -> dict:
    listing = page("书香小铺", '<h1 id="shop-name">书香小铺</h1><div class="products">'
                   '<div class="product"><a href="/p/1.html"><span class="title">高中数学教辅全套</span></a>'
                   '<span class="price">¥39.90</span></div>'
                   '<div class="product"><a href="/p/2.html"><span class="title">小学语文电子书网盘</span></a>'
                   '<span class="price">9.9元</span></div>'
                   '<div class="product"><a href="/gone.html"><span class="title">已下架</span></a></div>'
                   '<div class="product"><a href="/private/x.html"><span class="title">后台</span></a></div>'
                   '</div><a class="next" href="/page2.html">下一页</a>')
    gbk = page("初中英语练习册", '<h1 id="shop-name">书香小铺</h1><p>初中英语练习册，人教版。</p>',
               charset="gbk").encode("gbk")
    nocharset = page("小学奥数题库", '<h1 id="shop-name">书香小铺</h1><p>小学奥数题库，共十二册。</p>',
                     charset=None)
    return {
        "/robots.txt": {"headers": {"Content-Type": "text/plain"}, "body": "User-agent: *\nDisallow: /private/\n"},
        "/": {"body": listing},
        "/page2.html": {"body": page("第二页", '<div class="products"><div class="product"><span class="title">'
                                     '儿童绘本</span><span class="price">20</span></div></div>')},
        "/p/1.html": {"headers": {"Content-Type": "text/html"}, "body_hex": gbk.hex()},
        "/p/2.html": {"headers": {"Content-Type": "text/html"}, "body": nocharset},
        "/zizhi.html": {"body": page("资质", "<p>出版物经营许可证：新出发京批字第直0001号</p>")},
        "/private/x.html": {"body": page("private", "secret")},
    }


def test_shop_crawl(local_site, crawl):
    site = local_site(spec())
    result = crawl(SHOP, env={"SITE_URL": site.url})
    assert result.returncode == 0, result.log[-3000:]
    home = result.by_url("/")
    assert home["kind"] == "shop"
    assert home["shop_name"] == "书香小铺"
    assert [p["title"] for p in home["products"]][:2] == ["高中数学教辅全套", "小学语文电子书网盘"]
    assert home["products"][0]["price"] == 39.9
    assert home["products"][0]["url"] == site.url + "/p/1.html"
    assert home["sells_publications"] is True
    assert "新出发京批字第直0001号" in home["licence"]  # filled from the 资质 page
    gbk = result.by_url("/p/1.html")
    assert "初中英语练习册，人教版" in gbk["text"]
    assert gbk["licence"] == "新出发京批字第直0001号"   # the number, by its pattern (filled from the 资质 page)
    nocs = result.by_url("/p/2.html")
    assert "小学奥数题库，共十二册" in nocs["text"]
    stats = result.stats["stats"] if "stats" in result.stats else result.stats
    assert stats["patrol/robots_forbidden"] == 1
    assert stats["patrol/http_error/404"] == 1
    assert "/private/x.html" not in site.stats()["paths"]
    assert stats["patrol/items/shop"] >= 4
