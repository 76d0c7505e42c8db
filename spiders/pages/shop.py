"""Shop pages: shop name, seller, the publication business licence as shown,
products (title, price, url) and whether the shop sells publications."""

from __future__ import annotations

import re
from typing import Any


from spiders.normalise import normalise_price, normalise_shop_licence
from spiders.pages.base import Page, clean, dig, first, texts, title_head, types_of

# The licence an online seller of books must show (出版物经营许可证), as the
# page words it; the classifier judges whether it is valid.
LICENCE = re.compile(r"(出版物经营许可证|出版物经营许可|新出发[^\s，,。]{0,12}号)")
SELLER = re.compile(r"(?:经营者|经营主体|公司名称|企业名称|主办单位|运营方)\s*[:：]\s*([^\s|｜，,。]{2,40})")
PUBLICATION_WORDS = re.compile(
    r"图书|书籍|童书|电子书|电子版|教材|教辅|课本|练习册|习题|真题|学案|讲义|期刊|杂志|小说|出版社|绘本|读物|"
    r"词典|字典|ISBN|PDF|pdf|epub|mobi|网盘")
# Markers in a page's own text that it offers publications (a book's ISBN, a 网盘 set).
SELLS_MARKERS = re.compile(r"ISBN|书号|出版社|电子课本|电子书|教辅|网盘")
PRICE_IN_TEXT = re.compile(r"[¥￥]\s*(\d+(?:\.\d{1,2})?)|(\d+(?:\.\d{1,2})?)\s*元")
PRICE = re.compile(r"(\d+(?:\.\d{1,2})?)")
# Where shops show the store's own name (a platform's page names the platform in
# og:site_name and the title): class names, not sites
SHOP_NAME_XPATH = ("//*[contains(@class, 'shop-name') or contains(@class, 'shop_name') or contains(@class, 'shopname') "
                   "or contains(@class, 'store-name') or contains(@class, 'mall-name') or contains(@class, 'seller-name') "
                   "or (contains(@class, 'popbox') and .//*[contains(@class, 'name')])]"
                   "[not(ancestor::*[contains(@class, 'recommend') or contains(@class, 'related') or contains(@class, 'guess')])]"
                   "/descendant-or-self::*[not(*)][normalize-space()][1]")
# product names on a listing: one block per product, a link and a price in it
_GRID_ITEMS = "//ul/li[.//a[@href]] | //*[contains(@class, 'goods') or contains(@class, 'product') or contains(@class, 'item')][.//a[@href]]"
_STRUCK = "del|s|strike"
_PROMO_WORDS = ("promo", "sale", "final", "now-price", "now_price", "current", "discount", "actual")
_PROMO_XPATH = ("//*[" + " or ".join(f"contains(translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                                      f"'abcdefghijklmnopqrstuvwxyz'), '{w}')" for w in _PROMO_WORDS) + "]"
                "[contains(translate(@class, 'PRICE', 'price'), 'price') or contains(., '¥') or contains(., '￥')]"
                "[not(self::del or self::s or ancestor::del or ancestor::s)]"
                "[not(ancestor::*[contains(@class, 'recommend') or contains(@class, 'related') or contains(@class, 'guess')])]")


def lines_matching(text: str, pattern: re.Pattern, limit: int = 3, width: int = 200) -> list[str]:
    out = []
    for line in text.splitlines():
        line = clean(line)
        if line and pattern.search(line) and line not in out:
            out.append(line[:width])
            if len(out) >= limit:
                break
    return out


def parse_price(value: Any) -> float | None:
    """The selling price shown (促销价/券后价 over 定价/原价, never 满99元包邮)."""
    return normalise_price(value)


class ShopPage(Page):
    kind = "shop"

    def licence_text(self) -> str:
        """The licence the page shows (footer or a 资质 page): its number when it has
        the number's form, else the claim as worded; '' if none shown."""
        labelled = self.labelled.get("shop_licence")
        return self.typed_field(
            "licence", normalise_shop_licence,
            ("labelled value", lambda: f"{labelled[0]}：{labelled[1]}" if labelled else None),
            ("chrome / page text", lambda: " ".join(lines_matching(self.full_text(), LICENCE, 2)))) or ""

    def _detail_price(self) -> float | None:
        """A product page's selling price: the price block (classes named price),
        else the labelled 价格/售价, else the first price in the main text."""
        # price blocks, not a struck-through list price (del/s, old/market/origin prices)
        blocks = [clean(b.xpath("string()").get()) for b in self.sel.xpath(
            "//*[contains(translate(@class,'PRICE','price'),'price') or contains(translate(@id,'PRICE','price'),'price')]"
            "[not(self::del or self::s or self::strike or ancestor::del or ancestor::s)]"
            "[not(contains(@class,'old') or contains(@class,'market') or contains(@class,'origin') or "
            "contains(@class,'list') or contains(@class,'del'))]"
            "[not(ancestor::*[contains(@class,'recommend') or contains(@class,'related') or contains(@class,'guess')])]")]
        # a block named for the price paid now (tm-promo-price, sale-price, final…) before the rest
        for el in self.sel.xpath(_PROMO_XPATH):
            shown = clean(el.xpath("string()").get())
            if shown and len(shown) <= 60 and normalise_price(shown) is not None:
                self.raw["price"] = shown
                return normalise_price(shown)
        blob = " ".join(b for b in blocks if b)
        raw = blob or self.label("price") or self.text()
        price = normalise_price(raw)
        if price is not None:
            self.raw["price"] = raw[:200]
        return price

    def headline_text(self) -> str | None:
        """A product page without ``<h1>``: the visible element whose text the
        ``<title>`` holds (淘宝's h3.tb-main-title, 京东's div.sku-name), else the
        title's head."""
        if self.sel.xpath("//h1") or self.role != "detail":
            return None
        page_title = clean(self.sel.xpath("//title/text()").get())
        best = ""
        for el in self.sel.xpath("//body//*[self::h2 or self::h3 or self::div or self::span or self::p]"
                                 "[not(ancestor::a)][string-length(normalize-space()) >= 6]"
                                 "[string-length(normalize-space()) <= 150]"):
            if len(el.root) > 3:
                continue
            value = clean(el.xpath("string()").get())
            if value in page_title and len(value) > len(best):
                best = value
        return best or title_head(page_title) or None

    def _grid_products(self) -> list[dict[str, Any]]:
        """A listing's product blocks without selectors: repeated blocks, each with
        a link and a price (a struck-through list price left out), outside the
        furniture (猜你喜欢 and related boxes are pruned)."""
        from spiders.pages.base import pruned_copy
        tree = pruned_copy(self.sel.root)
        out, seen = [], set()
        for block in tree.xpath(_GRID_ITEMS):
            if block.xpath(".//li[.//a[@href]]"):
                continue  # a list of lists: its items are the products
            text = clean(" ".join(t for t in block.xpath(f".//text()[not(ancestor::{_STRUCK.replace('|', ') and not(ancestor::')})]")))
            price = normalise_price(text) if PRICE_IN_TEXT.search(text) else None
            if price is None:
                continue
            links = [a for a in block.xpath(".//a[@href]") if clean(a.text_content())]
            if not links:
                continue
            titled = block.xpath(".//*[contains(@class, 'title') or contains(@class, 'name')]")
            title = clean(titled[0].text_content()) if titled else max((clean(a.text_content()) for a in links), key=len)
            url = self.absolute(links[0].get("href"))
            if title and url not in seen:
                seen.add(url)
                out.append({"title": title[:300], "price": price, "url": url})
        return out if len(out) >= 2 else []

    def products(self) -> list[dict[str, Any]]:
        spec = self.profile.fields.get("products")
        out: list[dict[str, Any]] = []
        if spec:  # the profile's product blocks
            item_spec = spec["item"]
            blocks = self.sel.xpath(item_spec[6:]) if item_spec.startswith("xpath:") else self.sel.css(item_spec)
            for block in blocks:
                title = first(block, spec["title"]) if "title" in spec else clean(block.xpath("string()").get())
                price = parse_price(first(block, spec["price"])) if "price" in spec else None
                href = first(block, spec["url"]) if "url" in spec else (block.css("a::attr(href)").get() or "")
                if title:
                    out.append({"title": title[:300], "price": price, "url": self.absolute(href)})
        if not out:
            for node in self.structured:
                if "Product" in types_of(node):
                    title = clean(dig(node, "name"))
                    if title:
                        out.append({"title": title[:300],
                                    "price": parse_price(dig(node, "offers", "price")),
                                    "url": self.absolute(clean(dig(node, "url")) or "")})
        if not out and self.role != "detail":
            out = self._grid_products()
        if not out and self.role == "detail":
            # A product page is one product: its heading and the first price shown.
            title = clean(self.sel.css("h1").xpath("string()").get()) or self.headline_text() or self.title()
            if title:
                out.append({"title": title[:300], "url": self.canonical_url(),
                            "price": self._detail_price()})
        return out

    def _shop_name_shown(self) -> str | None:
        for el in self.sel.xpath(SHOP_NAME_XPATH):
            value = clean(el.xpath("string()").get())
            if 2 <= len(value) <= 30:
                return value
        return None

    def _publication_headings(self) -> bool:
        """A listing's own headings name publications (热销童书, 教辅专区)."""
        return any(PUBLICATION_WORDS.search(clean(h.xpath("string()").get()))
                   for h in self.sel.xpath("//h2[not(ancestor::nav or ancestor::footer)] | //h3[not(ancestor::nav or ancestor::footer)]"))

    def kind_fields(self) -> dict[str, Any]:
        store = self.node("Store", "BookStore", "OnlineStore", "Organization", "LocalBusiness")
        products = self.products()
        shop_name = self.field("shop_name", ("json-ld store", lambda: dig(store, "name")),
                               ("shop name block", self._shop_name_shown),
                               ("meta og:site_name", lambda: self.metas.get("og:site_name")),
                               ("chrome copyright", lambda: self.site_facts().get("copyright")),
                               # a home page's title is "shop - slogan"
                               ("<title> head (start page)", lambda: title_head(clean(self.sel.xpath("//title/text()").get()))
                                if self.role == "start" else None),
                               # the page's own <title>, never a title the profile overrides
                               ("<title> suffix", lambda: self.site_name_from_title()))
        seller = self.field("seller", ("labelled value", lambda: self.label("seller")),
                            ("chrome / page text", lambda: (SELLER.search(self.full_text()) or [None, None])[1]))
        # a book's own facts (出版社, ISBN, 作者 labels) on a product page say it is a publication
        book_facts = any(k in self.labelled for k in ("publisher", "isbn", "author"))
        sells = any(PUBLICATION_WORDS.search(p["title"]) for p in products) or (
            self.role == "detail" and (bool(SELLS_MARKERS.search(self.text())) or book_facts)) or (
            self.role != "detail" and bool(products) and self._publication_headings())
        if "sells_publications" in self.profile.fields:
            sells = bool(texts(self.sel, self.profile.fields["sells_publications"]))
        return {
            "shop_name": shop_name,
            "seller": seller,
            "licence": self.licence_text() or None,
            "products": products,
            "sells_publications": sells,
        }
