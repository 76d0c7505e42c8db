"""The page class every kind builds on: a response (+ profile) in, an item out.

No I/O here: a page class makes no requests and touches no storage, so
extraction is tested offline on saved pages. Fields the profile names come
from its selectors; the rest from generic extraction: JSON-LD and microdata
(extruct), OpenGraph and ``<meta>`` tags, and the main visible text
(html-text).
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import extruct
import html_text
from parsel import Selector, SelectorList

from patrol.items import make_item
from spiders.profiles import Profile

logger = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
MAIN_CANDIDATES = ("article", "main", "[role=main]", "#content", ".content", ".article", "#main")
MAX_TEXT_CHARS = 200_000


def clean(value: Any) -> str:
    """Collapse whitespace; '' for None."""
    return _WS.sub(" ", str(value)).strip() if value is not None else ""


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

    # -- generic data --------------------------------------------------------
    @cached_property
    def structured(self) -> list[dict]:
        """JSON-LD and microdata nodes (uniform, @graph flattened)."""
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
    def field(self, name: str, *fallbacks: Callable[[], Any]) -> Any:
        """The profile's selector for ``name`` if it finds something, else the first
        fallback that gives a non-empty value."""
        spec = self.profile.fields.get(name)
        if isinstance(spec, str):
            value = (" ".join(texts(self.sel, spec)) if name in ("text", "description")
                     else first(self.sel, spec))
            if value:
                return value
        for fb in fallbacks:
            value = fb()
            if value not in (None, "", [], {}):
                return clean(value) if isinstance(value, str) else value
        return None

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
        return self.field("title", lambda: self.metas.get("og:title"),
                          lambda: self.sel.xpath("//title/text()").get(),
                          lambda: first(self.sel, "h1")) or ""

    def text(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        value = self.field("text", lambda: html_text.selector_to_text(self.main_region())) or ""
        return value[:MAX_TEXT_CHARS]

    @cached_property
    def _full_text(self) -> str:
        """The whole body's visible text, line by line (for footers and 资质 lines)."""
        return html_text.selector_to_text(self.sel.css("body") or self.sel, guess_layout=True)

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
        return make_item(url=self.canonical_url(), source=self.profile.name, kind=self.kind,
                         title=self.title(), text=self.text(), http_status=resp.status,
                         rendered=self.rendered, **self.kind_fields(), **extra)


_TITLE_SEP = re.compile(r"\s+[-_|｜–—]\s+|\s*[|｜_]\s*")


def title_suffix(title: str) -> str:
    """'某文章 - 城南日报' → '城南日报'; '' when the title has no separator."""
    parts = [p for p in _TITLE_SEP.split(title or "") if p.strip()]
    return clean(parts[-1]) if len(parts) > 1 else ""
