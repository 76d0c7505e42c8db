"""The page class every kind builds on: a response (+ profile) in, an item out.

No I/O here: a page class makes no requests and touches no storage, so
extraction is tested offline on saved pages. Fields the profile names come
from its selectors; the rest from generic extraction: JSON-LD and microdata
(extruct), OpenGraph and ``<meta>`` tags, labelled values (info tables,
definition lists, "标签：值" lines; spiders/pages/labelled.py) and the main
content.

Main content, not the page: ``text`` is the page's main content, found by
trafilatura (the field's reference for boilerplate removal) on the lxml tree
Scrapy already parsed (never a second parse). Everything else the page shows
(navigation, footers, sidebars, account menus, keyword blocks, lists of other
articles) is ``chrome``, kept apart and never in ``text``; site-level facts
(licence lines, ICP numbers, outlet and shop names) are read from it on
purpose (``site``). Typed fields go through one normaliser each
(spiders/normalise/), whatever their origin; the value as displayed is kept
in ``raw`` and where each value came from in ``Page.origins``.
"""

from __future__ import annotations

import copy
import logging
import re
from functools import cached_property
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import html_text
import trafilatura
from lxml import etree
from parsel import Selector, SelectorList
from trafilatura.settings import Extractor

from patrol.items import make_item
from spiders.profiles import Profile

logger = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
MAIN_CANDIDATES = ("article", "main", "[role=main]", "#content", ".content", ".article", "#main")
MAX_TEXT_CHARS = 200_000
MAX_CHROME_CHARS = 50_000
# Regions that are page furniture on any site, pruned before trafilatura looks
# for the main content: nav/footer/aside elements, and blocks whose class or id
# has a furniture word as a token or token part (" hot-rank", "main-nav",
# "side_bar"; never "photo" for "hot"). Never a region holding the page's <h1>
# (an app's header block has its name and developer).
_FURNITURE = ("related", "recommend", "sidebar", "side-bar", "aside", "hot", "rank", "footer", "nav",
              "breadcrumb", "crumb", "comment", "login", "account", "share", "tags", "keywords", "guess",
              "xiangguan", "tuijian", "remen", "paihang", "foot", "header", "topbar", "top-bar", "menu",
              "copyright", "widget", "stock", "ad", "ads", "banner", "promo", "qrcode", "qr_code", "masthead",
              "logo", "weather")


def _token_test(attr: str, word: str) -> str:
    norm = f"translate(@{attr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    return (f"contains(concat(' ', normalize-space({norm})), ' {word}') or contains({norm}, '-{word}') "
            f"or contains({norm}, '_{word}')")


FURNITURE_TAGS_XPATHS = ["//nav[not(.//h1)]", "//footer[not(.//h1)]", "//aside[not(.//h1)]"]
PRUNE_XPATHS = FURNITURE_TAGS_XPATHS + [
    "//header[not(.//h1)]",
    "//*[not(.//h1)][" + " or ".join(_token_test(attr, w) for w in _FURNITURE for attr in ("class", "id")) + "]"]
_NOSPACE = re.compile(r"[\s|]+")

_TRAFILATURA = Extractor(output_format="txt", comments=False, tables=True, dedup=False,
                         with_metadata=False, formatting=False, links=False, images=False)


# trafilatura's minimum (250 characters) before it falls back to taking the
# whole page is set for European languages; a Chinese character carries two to
# three times as much, and a 120-character news item is an article.
_TRAFILATURA_ZH = Extractor(output_format="txt", comments=False, tables=True, dedup=False,
                            with_metadata=False, formatting=False, links=False, images=False)
_TRAFILATURA_ZH.min_extracted_size = 100


_FURNITURE_NAME = re.compile(r"(?:^|[\s_-])(?:" + "|".join(re.escape(w) for w in _FURNITURE) + ")")
_FURNITURE_TAG_NAMES = {"nav", "footer", "aside"}


# A block headed "相关推荐", "猜你喜欢", "作者最新文章", "Related articles"… is a list of other
# pages, whatever its class is named.
RELATED_HEAD = re.compile(
    r"^\s*(?:相关|推荐|猜你|为你推荐|你可能|大家还|大家都在|同类|热门|热点|热榜|热文|热新闻|排行|本类|最新更新|最新文章|"
    r"更多|其他|其它|看了又看|精彩推荐|延伸阅读|TA的|作者最新|作者其他|24小时|头条热|related|more |most |trending|popular)",
    re.I)
_HEADINGS = {"h2", "h3", "h4", "h5", "dt"}
_LIST_BLOCKS = {"div", "section", "ul", "ol", "td", "table", "dl", "tbody"}


def _related_block(el) -> bool:
    """A block that opens with a heading naming a list of other pages (its first
    text: an ``<h3>``, a table's title cell), and is no page region."""
    if el.tag not in _LIST_BLOCKS:
        return False
    first_text = next((t for t in el.itertext() if t.strip()), "").strip()
    if not (0 < len(first_text) <= 20 and RELATED_HEAD.match(first_text)):
        return False
    return len(el.text_content()) <= 3000


_DATE_ONLY = re.compile(r"^[\s(（\[【]*(?:\d{4}[-/.年])?\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2})?[\s)）\]】]*$")


def _link_dense(tree, keep: set) -> list:
    """Blocks that are mostly links (menus, lists of other articles in table
    layouts that name nothing): five links or more and at least 60% of the
    block's text in links; never a block holding the headline."""
    sizes: dict = {}

    def walk(el) -> tuple[int, int, int]:
        total = len((el.text or "").strip())
        linked = total if el.tag == "a" else 0
        links = 1 if el.tag == "a" else 0
        for child in el:
            if not isinstance(child.tag, str):
                continue
            t, lk, n = walk(child)
            tail = (child.tail or "").strip()
            total += t + len(tail)
            # a date beside a link is part of the list entry ("· 标题  2025-03-01")
            linked += lk + (len(tail) if tail and _DATE_ONLY.match(tail) else 0)
            links += n
        if el.tag == "a" or (len(el) == 0 and total and _DATE_ONLY.match(el.text or "")):
            linked = total
        sizes[el] = (total, linked, links)
        return total, linked, links

    walk(tree)
    out = []
    for el, (total, linked, links) in sizes.items():
        if el.tag in _LIST_BLOCKS and el not in keep and links >= 5 and total >= 40 and linked >= 0.6 * total:
            out.append(el)
    return out


def pruned_copy(root, *, classes: bool = True, headline: str | None = None, link_dense: bool = False):
    """A copy of the tree without its furniture (see PRUNE_XPATHS), found in one
    pass in Python: the same rule as the XPath expressions, which lxml evaluates
    far slower (a translate() per element and word). With ``classes``, blocks
    headed like lists of other pages go too; with ``link_dense`` (detail pages),
    blocks that are mostly links. The headline's ancestors are always kept."""
    tree = copy.deepcopy(root)
    keep = set()
    for h1 in tree.iter("h1"):
        keep.update(h1.iterancestors())
    if headline:
        for el in tree.iter(etree.Element):
            if isinstance(el.tag, str) and len(el) <= 3 and el.text_content().strip() == headline:
                keep.update(el.iterancestors())
                keep.add(el)
                break
    doomed = []
    for el in tree.iter(etree.Element):
        if el in keep or not isinstance(el.tag, str):
            continue
        if el.tag in _FURNITURE_TAG_NAMES or (classes and el.tag == "header"):
            doomed.append(el)
            continue
        if classes:
            names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
            if (names.strip() and _FURNITURE_NAME.search(names)) or _related_block(el):
                doomed.append(el)
    if link_dense:
        doomed.extend(_link_dense(tree, keep))
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            # keep the tail text (it belongs to the parent)
            if el.tail and el.tail.strip():
                prev = el.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + el.tail
                else:
                    parent.text = (parent.text or "") + el.tail
            parent.remove(el)
    return tree


def main_content(root, url: str, *, prune: bool = False, short_ok: bool = False,
                 headline: str | None = None, link_dense: bool = False) -> str:
    """trafilatura's main text of an lxml tree ('' when it finds none).
    trafilatura works on its own copy of the tree, so the caller's tree is intact.
    ``nav``/``footer``/``aside`` elements are pruned first on every page (they are
    furniture by definition; trafilatura's fallbacks keep them on short pages),
    and with ``prune`` also blocks named like furniture (related, sidebar, hot…)."""
    try:
        options = _TRAFILATURA_ZH if short_ok else _TRAFILATURA
        tree = pruned_copy(root, classes=prune, headline=headline, link_dense=link_dense)
        text = trafilatura.extract(tree, url=url, options=options)
    except Exception as exc:  # hostile markup: no main content, never a crash
        logger.debug("main content unreadable on %s: %s", url, exc)
        return ""
    return _plain_tables(text or "")


_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _plain_tables(text: str) -> str:
    """trafilatura writes tables as markdown rows ('| 分类 | 教育学习 |'): plain
    cells here, the rule lines dropped."""
    if "|" not in text:
        return text
    out = []
    for line in text.splitlines():
        if _TABLE_RULE.match(line):
            continue
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            line = " ".join(c.strip() for c in stripped.strip("|").split("|") if c.strip())
        out.append(line)
    return "\n".join(out)


def clean(value: Any) -> str:
    """Collapse whitespace; '' for None."""
    return _WS.sub(" ", str(value)).strip() if value is not None else ""


def clean_lines(value: str) -> str:
    """Collapse whitespace within lines, keep the line breaks, drop empty lines."""
    return "\n".join(line for line in (clean(x) for x in str(value).splitlines()) if line)


def _select(root: Selector, spec: str) -> SelectorList:
    return root.xpath(spec[6:]) if spec.startswith("xpath:") else root.css(spec)


def texts(root: Selector, spec: str) -> list[str]:
    """Every non-empty string a selector yields; selected elements give their visible text."""
    out = []
    for sel in _select(root, spec):
        value = sel.get() if isinstance(sel.root, str) else html_text.selector_to_text(sel)
        value = clean(value)
        if value:
            out.append(value)
    return out


def first(root: Selector, spec: str) -> str:
    found = texts(root, spec)
    return found[0] if found else ""


def types_of(node: dict) -> set[str]:
    t = node.get("@type")
    return {str(x).rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t]) if x}


def dig(node: Any, *path: str) -> Any:
    """``dig(d, "author", "name")``, tolerating lists and strings along the way."""
    for key in path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, list):
        node = node[0] if node else None
    return node


class Page:
    """Generic page; subclasses set ``kind`` and add ``kind_fields``."""

    kind = "page"

    def __init__(self, response, profile: Profile, *, role: str = "detail", rendered: bool = False,
                 screenshot: str | None = None):
        self.response = response
        self.role = role  # start | listing | next | detail | about
        self.profile = profile
        self.rendered = rendered
        self.screenshot = screenshot
        self.sel: Selector = response.selector
        self.issues: list[str] = []          # counted by the spider as patrol/extract/<issue>
        self.origins: dict[str, str] = {}    # field → "selector <spec>" | "json-ld" | "meta" | …
        self.raw: dict[str, Any] = {}        # typed field → the value as displayed

    # -- generic data --------------------------------------------------------
    @cached_property
    def structured(self) -> list[dict]:
        """JSON-LD and microdata nodes (uniform, @graph flattened)."""
        # extruct walks the whole tree: only when there is something for it to read
        if not self.sel.root.xpath("boolean(//script[contains(@type, 'ld+json')] | //*[@itemscope])"):
            return []
        import extruct  # here, not at the top: 0.13 s of start-up for pages that have none of it

        try:
            data = extruct.extract(self.sel.root, base_url=self.response.url,
                                   syntaxes=["json-ld", "microdata"], uniform=True)
        except Exception as exc:  # hostile pages break extractors in many ways
            logger.debug("structured data unreadable on %s: %s", self.response.url, exc)
            return []
        nodes: list[dict] = []
        for node in data.get("json-ld", []) + data.get("microdata", []):
            if isinstance(node, dict):
                nodes.append(node)
                nodes.extend(n for n in node.get("@graph", []) or [] if isinstance(n, dict))
                # an ItemList's elements (Product nodes, or ListItems holding them)
                for el in node.get("itemListElement", []) or []:
                    if isinstance(el, dict):
                        inner = el.get("item")
                        nodes.append(inner if isinstance(inner, dict) else el)
        return nodes

    def node(self, *wanted: str) -> dict:
        for n in self.structured:
            if types_of(n) & set(wanted):
                return n
        return {}

    @cached_property
    def metas(self) -> dict[str, str]:
        """``<meta>`` name/property → content (first one wins), keys lower case."""
        out: dict[str, str] = {}
        for m in self.sel.xpath("//meta[@content]"):
            key = (m.attrib.get("property") or m.attrib.get("name") or "").strip().lower()
            if key and key not in out:
                out[key] = clean(m.attrib.get("content"))
        return out

    def main_region(self) -> Selector:
        for css in MAIN_CANDIDATES:
            found = self.sel.css(css)
            if found:
                return max(found, key=lambda s: len(s.xpath("string()").get() or ""))
        body = self.sel.css("body")
        return body[0] if body else self.sel

    # -- field helpers -------------------------------------------------------
    def field(self, name: str, *fallbacks: Callable[[], Any] | tuple[str, Callable[[], Any]]) -> Any:
        """The profile's selector for ``name`` if it finds something, else the first
        fallback that gives a non-empty value. A fallback may be ``(origin, callable)``;
        where the value came from is kept in ``self.origins``."""
        spec = self.profile.fields.get(name)
        if isinstance(spec, str):
            value = (" ".join(texts(self.sel, spec)) if name in ("text", "description")
                     else first(self.sel, spec))
            if value:
                self.origins[name] = f"selector {spec}"
                return value
        for fb in fallbacks:
            origin, fn = fb if isinstance(fb, tuple) else ("generic", fb)
            value = fn()
            if value not in (None, "", [], {}):
                self.origins[name] = origin
                if isinstance(value, str):  # the main text keeps its lines (paragraphs)
                    return clean_lines(value) if name == "text" else clean(value)
                return value
        return None

    def typed_field(self, name: str, normaliser: Callable[..., Any], *fallbacks, args: tuple = ()) -> Any:
        """A typed field: the profile's selector value (normalised, or None with the
        displayed value in ``raw`` when it does not normalise: the analyst's choice is
        kept), else the first generic value that normalises; when none does, the first
        displayed value is kept in ``raw`` and the field is None (counted)."""
        spec = self.profile.fields.get(name)
        if isinstance(spec, str):
            value = first(self.sel, spec)
            if value:
                self.origins[name] = f"selector {spec}"
                return self.typed(name, value, normaliser, *args)
        first_raw = None
        for fb in fallbacks:
            origin, fn = fb if isinstance(fb, tuple) else ("generic", fb)
            value = fn()
            if value in (None, "", [], {}):
                continue
            value = clean(value) if isinstance(value, str) else value
            normalised = normaliser(value, *args)
            if normalised is not None:
                self.origins[name] = origin
                self.raw[name] = value
                return normalised
            if first_raw is None:
                first_raw = (origin, value)
        if first_raw is not None:
            self.origins[name] = first_raw[0]
            self.raw[name] = first_raw[1]
            self.issues.append(f"unparsed/{name}")
        return None

    def typed(self, name: str, value: Any, normaliser: Callable[..., Any], *args: Any) -> Any:
        """``value`` (as displayed) through its field's normaliser; the displayed value
        is kept in ``self.raw``. A value that does not normalise gives None (counted),
        never a guess."""
        if value in (None, "", [], {}):
            return None
        normalised = normaliser(value, *args)
        self.raw[name] = value
        if normalised is None:
            self.issues.append(f"unparsed/{name}")
        return normalised

    @cached_property
    def labelled(self) -> dict[str, tuple[str, str]]:
        """Labelled values of the page outside its chrome (info tables, dl, "标签：值")."""
        from spiders.pages.labelled import labelled_values
        return labelled_values(self.sel.root)

    def label(self, name: str) -> str | None:
        found = self.labelled.get(name)
        return found[1] if found else None

    def absolute(self, href: str) -> str:
        return urljoin(self.response.url, href) if href else ""

    def canonical_url(self) -> str:
        """``<link rel=canonical>`` when it stays on the same host, else the URL fetched."""
        href = self.sel.xpath("//link[@rel='canonical']/@href").get()
        url = self.response.url
        if href:
            cand = self.absolute(href.strip())
            if urlsplit(cand).netloc == urlsplit(url).netloc and urlsplit(cand).scheme in ("http", "https"):
                url = cand
        return url.split("#", 1)[0]

    def title(self) -> str:
        return self.field("title", ("meta og:title", lambda: self.metas.get("og:title")),
                          ("<title>", lambda: self.sel.xpath("//title/text()").get()),
                          ("h1", lambda: first(self.sel, "h1"))) or ""

    def text(self) -> str:
        return self._text

    def headline_text(self) -> str | None:
        """The page's heading as shown when it has no ``<h1>`` (kept whole by pruning)."""
        return None

    # Furniture is pruned before trafilatura runs (see PRUNE_XPATHS); a listing's
    # heading (the app or product name) is part of its content, an article's
    # headline is the item's title, not its body.
    prune_furniture = True
    heading_in_text = True
    short_articles = False
    # False only in benchmarks/crawl/main_content.py: the body's visible text
    # instead of trafilatura's main content, to measure what extraction costs
    main_content_enabled = True

    @cached_property
    def _text(self) -> str:
        if not self.main_content_enabled:
            return self.field("text", ("page text", lambda: html_text.selector_to_text(self.main_region()))) or ""
        value = self.field("text", ("main content (trafilatura)",
                                    lambda: main_content(self.sel.root, self.response.url,
                                                         prune=self.prune_furniture,
                                                         short_ok=self.short_articles,
                                                         headline=self.headline_text(),
                                                         link_dense=self.role == "detail"))) or ""
        if value and self.heading_in_text and "text" not in self.profile.fields:
            # trafilatura leaves the heading out of a listing's text: the product or app name is content
            h1 = clean(self.sel.xpath("string(//h1)").get()) or clean(self.headline_text())
            if h1 and h1 not in value:
                value = h1 + "\n" + value
        if not value:
            self.issues.append("no_main_content")
        return value[:MAX_TEXT_CHARS]

    @cached_property
    def chrome(self) -> str:
        """Every line the page shows that is not its main content (navigation,
        footers, sidebars, menus, keyword blocks), in page order."""
        # compared without whitespace: the two texts wrap and space lines differently
        main = {_NOSPACE.sub("", line) for line in self.text().splitlines()}
        main_blob = _NOSPACE.sub("", self.text())
        out: list[str] = []
        seen: set[str] = set()
        for line in self.full_text().splitlines():
            line = clean(line)
            key = _NOSPACE.sub("", line)
            if not key or key in main or key in seen:
                continue
            if key in main_blob:  # a main-content line wrapped differently
                continue
            seen.add(key)
            out.append(line)
        return "\n".join(out)[:MAX_CHROME_CHARS]

    def site_name_from_title(self) -> str:
        return title_suffix(clean(self.sel.xpath("//title/text()").get()))

    def site_facts(self) -> dict[str, Any]:
        """Site-level facts read on purpose from the chrome (every page of a site
        shows them, home and listing pages too)."""
        from spiders.pages.sitefacts import site_facts
        return site_facts(self)

    @cached_property
    def _full_text(self) -> str:
        """The whole body's visible text, line by line (for footers and 资质 lines);
        never script, style or template code (html-text leaves those to a cleaner,
        here a copy of the tree with them stripped)."""
        body = self.sel.root.find("body")
        tree = copy.deepcopy(body if body is not None else self.sel.root)
        etree.strip_elements(tree, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
        return html_text.etree_to_text(tree, guess_layout=True)

    def full_text(self) -> str:
        return self._full_text

    def page_meta(self) -> dict[str, Any]:
        keep = ("description", "keywords", "author", "og:site_name", "og:type", "og:description",
                "article:published_time", "generator")
        meta = {k: self.metas[k] for k in keep if k in self.metas}
        cached = "cached" in getattr(self.response, "flags", [])
        if cached:
            meta["unchanged"] = True  # served from the HTTP cache (fresh or 304): pipelines may skip
        return meta

    def kind_fields(self) -> dict[str, Any]:
        return {}

    def to_item(self) -> dict[str, Any]:
        resp = self.response
        extra: dict[str, Any] = {
            "meta": self.page_meta(),
            "encoding": getattr(resp, "encoding", None),
            "truncated": "download_stopped" in resp.flags or "patrol_capped" in resp.flags,
        }
        lang = self.sel.xpath("/html/@lang").get()
        if lang:
            extra["lang"] = clean(lang)[:16]
        if self.screenshot:
            extra["screenshot"] = self.screenshot
        fields = self.kind_fields()
        extra["chrome"] = self.chrome
        extra["site"] = self.site_facts()
        if self.kind == "page" and self.profile.kind == "news":
            # a news site's home and listing pages name the outlet and its licence too
            from spiders.pages.news import news_site_fields
            extra["site"].update(news_site_fields(self))
        extra["raw"] = dict(self.raw)
        return make_item(url=self.canonical_url(), source=self.profile.name, kind=self.kind,
                         title=self.title(), text=self.text(), http_status=resp.status,
                         rendered=self.rendered, **fields, **extra)


_TITLE_SEP = re.compile(r"\s+[-_|｜–—]\s+|\s*[|｜_]\s*")


# '某某网(example.com)', '某某网（www.example.cn）': the site's domain beside its name
_DOMAIN_TAIL = re.compile(r"\s*[(（]\s*(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\s*[)）]\s*$")
_ENGLISH_TAIL = re.compile(r"^(.*[\u4e00-\u9fff].*?)\s*[-–—]\s*[A-Za-z][A-Za-z .&']*$")


def title_suffix(title: str) -> str:
    """'某文章 - 城南日报' → '城南日报'; '' when the title has no separator;
    '某某新闻-The Paper' → '某某新闻' (the English name beside the Chinese one)."""
    parts = [p for p in _TITLE_SEP.split(title or "") if p.strip()]
    if len(parts) > 1:
        suffix = _DOMAIN_TAIL.sub("", clean(parts[-1])) or clean(parts[-1])
        m = _ENGLISH_TAIL.match(suffix)
        return clean(m.group(1)) if m else suffix
    # '某商品-某书城': a hyphen without spaces, when what follows is a short name
    m = _TIGHT_SUFFIX.search(title or "")
    return m.group(1) if m else ""


_TIGHT_SUFFIX = re.compile(r"\S-([\u4e00-\u9fffA-Za-z]{2,12})\s*$")


def title_head(title: str) -> str:
    """'某文章_国内新闻_某某网' → '某文章': the title without the site's suffixes."""
    parts = [clean(p) for p in _TITLE_SEP.split(title or "") if p.strip()]
    if len(parts) == 1:
        m = _TIGHT_SUFFIX.search(parts[0])  # '某商品-某书城'
        if m:
            return clean(parts[0][:m.start(1) - 1])
    return parts[0] if parts else ""
