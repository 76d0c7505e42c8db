"""Shop pages: shop name, seller, the publication business licence as shown,
products (title, price, url) and whether the shop sells publications."""

from __future__ import annotations

import re
from typing import Any


from spiders.normalise import normalise_price, normalise_shop_licence
from spiders.pages.base import Page, clean, dig, title_suffix, first, texts, types_of

# The licence an online seller of books must show (出版物经营许可证), as the
# page words it; the classifier judges whether it is valid.
LICENCE = re.compile(r"(出版物经营许可证|出版物经营许可|新出发[^\s，,。]{0,12}号)")
SELLER = re.compile(r"(?:经营者|经营主体|公司名称|企业名称|主办单位|运营方)\s*[:：]\s*([^\s|｜，,。]{2,40})")
PUBLICATION_WORDS = re.compile(
    r"图书|书籍|电子书|电子版|教材|教辅|课本|练习册|习题|真题|学案|讲义|期刊|杂志|小说|出版社|绘本|读物|"
    r"词典|字典|ISBN|PDF|pdf|epub|mobi|网盘")
# Markers in a page's own text that it offers publications (a book's ISBN, a 网盘 set).
SELLS_MARKERS = re.compile(r"ISBN|书号|出版社|电子课本|电子书|教辅|网盘")
PRICE_IN_TEXT = re.compile(r"[¥￥]\s*(\d+(?:\.\d{1,2})?)|(\d+(?:\.\d{1,2})?)\s*元")
PRICE = re.compile(r"(\d+(?:\.\d{1,2})?)")


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
        blob = " ".join(b for b in blocks if b)
        raw = blob or self.label("price") or self.text()
        price = normalise_price(raw)
        if price is not None:
            self.raw["price"] = raw[:200]
        return price

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
        if not out and self.role == "detail":
            # A product page is one product: its heading and the first price shown.
            title = clean(self.sel.css("h1").xpath("string()").get()) or self.title()
            if title:
                out.append({"title": title[:300], "url": self.canonical_url(),
                            "price": self._detail_price()})
        return out

    def kind_fields(self) -> dict[str, Any]:
        store = self.node("Store", "BookStore", "OnlineStore", "Organization", "LocalBusiness")
        products = self.products()
        shop_name = self.field("shop_name", ("json-ld store", lambda: dig(store, "name")),
                               ("meta og:site_name", lambda: self.metas.get("og:site_name")),
                               ("chrome copyright", lambda: self.site_facts().get("copyright")),
                               ("<title> suffix", lambda: title_suffix(self.title())))
        seller = self.field("seller", ("labelled value", lambda: self.label("seller")),
                            ("chrome / page text", lambda: (SELLER.search(self.full_text()) or [None, None])[1]))
        # a book's own facts (出版社, ISBN, 作者 labels) on a product page say it is a publication
        book_facts = any(k in self.labelled for k in ("publisher", "isbn", "author"))
        sells = any(PUBLICATION_WORDS.search(p["title"]) for p in products) or (
            self.role == "detail" and (bool(SELLS_MARKERS.search(self.text())) or book_facts))
        if "sells_publications" in self.profile.fields:
            sells = bool(texts(self.sel, self.profile.fields["sells_publications"]))
        return {
            "shop_name": shop_name,
            "seller": seller,
            "licence": self.licence_text() or None,
            "products": products,
            "sells_publications": sells,
        }
