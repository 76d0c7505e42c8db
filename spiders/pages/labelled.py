"""Labelled values: the "标签：值" facts of info tables, definition lists and
label/value spans, with the label synonyms real Chinese sites use.

``labelled_values(root)`` → ``{field: (label as shown, value as shown)}``, the
first occurrence in page order outside the page furniture (nav, footer,
aside, and blocks named related/recommend/sidebar/hot/rank…), so a
"相关应用" box's 下载量 is never the app's. Two forms are read:

- a label element followed by its value: ``<th>版本</th><td>1.0.6</td>``,
  ``<dt>开发商</dt><dd>…</dd>``, ``<span>大小</span><span>64MB</span>``,
  ``<em>版本：</em>1.0.6`` (the value in the tail);
- inline pairs in a small block: ``<p>版本：1.0.6 | 大小：64MB</p>``.

Hand-written (no library reads Chinese label synonyms); the synonym lists are
the vocabulary of app markets, shops and news article heads.
"""

from __future__ import annotations

import re

from lxml import etree

LABELS: dict[str, tuple[str, ...]] = {
    "developer": ("开发者", "开发商", "开发者名称", "开发公司", "开发", "厂商", "供应商", "提供者", "应用开发者"),
    "downloads": ("下载量", "下载次数", "下载", "安装量", "安装次数", "总下载", "总下载量", "累计下载", "下载人数",
                  "下载数"),
    "version": ("版本", "当前版本", "版本号", "最新版本", "软件版本", "应用版本"),
    "updated": ("更新时间", "更新日期", "最近更新", "更新", "最后更新", "更新于", "上架时间", "上线时间"),
    "age_rating": ("适用年龄", "年龄分级", "年龄", "适龄", "适合年龄", "分级", "年龄限制", "年龄评级", "内容分级"),
    "category": ("分类", "软件分类", "应用分类", "类别", "所属分类", "类型", "应用类型", "游戏类型", "软件类型",
                 "软件类别", "应用类别", "游戏分类", "游戏类别", "栏目"),
    "size": ("大小", "文件大小", "安装包大小", "软件大小", "包大小", "应用大小"),
    "rating": ("评分", "用户评分", "综合评分"),
    "source": ("来源", "稿源", "新闻来源", "文章来源", "出处", "来自"),
    "author": ("作者", "记者", "撰文", "文字", "本报记者"),
    "editor": ("责任编辑", "编辑", "责编", "审核", "校对"),
    "published": ("发布时间", "发布日期", "发表时间", "发表于", "发布于", "时间", "日期", "发稿时间"),
    "price": ("价格", "售价", "现价", "促销价", "券后价", "到手价", "活动价", "秒杀价", "优惠价", "会员价"),
    "list_price": ("定价", "原价", "市场价", "标价", "吊牌价"),
    "publisher": ("出版社", "出版"),
    "isbn": ("ISBN", "书号", "国际标准书号"),
    "shop_licence": ("出版物经营许可证", "出版物经营许可证号", "出版物经营许可证编号"),
    "seller": ("经营者", "公司名称", "企业名称", "经营主体", "运营方", "主办单位", "运营单位", "店主"),
}
INDEX = {syn: field for field, syns in LABELS.items() for syn in syns}
_LABEL_CHARS = re.compile(r"[\s:：\u3000\xa0]+")
_INLINE = re.compile(r"(?<![\u4e00-\u9fffA-Za-z])(" + "|".join(sorted(map(re.escape, INDEX), key=len, reverse=True))
                     + r")\s*[:：]\s*")
_VALUE_END = re.compile(r"\s*(?:[|｜丨]|\s{2,}|\n)\s*")
FURNITURE_TAGS = {"nav", "footer", "aside", "script", "style", "noscript", "template", "select", "option"}
FURNITURE_WORDS = re.compile(r"related|recommend|sidebar|side-bar|aside|hot|rank|footer|nav|breadcrumb|"
                             r"comment|login|account|share|guess|xiangguan|tuijian|remen|paihang|"
                             r"more|other|list-item|latest|review", re.I)
BLOCKS = {"p", "div", "li", "tr", "td", "dd", "dt", "table", "ul", "ol", "dl", "section", "article",
          "h1", "h2", "h3", "h4", "h5", "h6", "br"}
MAX_VALUE = 200


def label_field(text: str) -> str | None:
    return INDEX.get(_LABEL_CHARS.sub("", text or ""))


def _furniture(el) -> bool:
    for node in el.iterancestors():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in FURNITURE_TAGS:
            return True
        names = f"{node.get('class') or ''} {node.get('id') or ''}"
        if names.strip() and FURNITURE_WORDS.search(names):
            return True
    return False


def _text(el) -> str:
    # the texts of separate elements joined with a space: '发布时间: 2025-02-14' and
    # '09:41' in two spans are '2025-02-14 09:41', not '2025-02-1409:41'
    return re.sub(r"\s+", " ", " ".join(el.itertext())).strip()


def _next_value(el) -> str:
    tail = (el.tail or "").strip(" :：\t\r\n\u3000\xa0")
    if tail:
        return tail
    sib = el.getnext()
    while sib is not None and not isinstance(sib.tag, str):
        sib = sib.getnext()
    if sib is None:
        return ""
    value = _text(sib)
    return "" if label_field(value) else value  # two labels in a row: no value shown


def _inline(text: str) -> list[tuple[str, str, str]]:
    out = []
    matches = list(_INLINE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end():end]
        cut = _VALUE_END.search(value)
        value = (value[:cut.start()] if cut else value).strip(" ，,；;")
        if value:
            out.append((INDEX[m.group(1)], m.group(1), value))
    return out


def _walk(root):
    """The elements in page order, never entering page furniture (its subtrees are
    skipped whole: faster, and a sidebar's 下载量 is never the app's)."""
    stack = [root]
    while stack:
        el = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in FURNITURE_TAGS:
            continue
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if names.strip() and FURNITURE_WORDS.search(names):
            continue
        yield el
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))


def labelled_values(root) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    body = root.find("body")
    for el in _walk(body if body is not None else root):
        if len(el) > 12:
            continue  # a label, a value or a small info block, never a page region
        own = _text(el)
        if not own or len(own) > 400:
            continue
        field = label_field(own) if len(own) <= 12 else None
        found: list[tuple[str, str, str]] = []
        if field:
            value = _next_value(el)
            if value:
                found.append((field, own.rstrip(":： "), value))
        elif ("：" in own or ":" in own) and not any(isinstance(c.tag, str) and c.tag in BLOCKS
                                                   for c in el.iterdescendants()):
            found = _inline(own)
        for field, label, value in found:
            if field not in out and len(value) <= MAX_VALUE:
                out[field] = (label, value)
    return out
