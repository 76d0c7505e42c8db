"""Structural checks over an item dict, each returning reasons an analyst can read.

- ``shop_licence``: a shop that sells publications (books, e-books, textbooks,
  教辅 …) but shows no publication business licence (出版物经营许可证), or shows
  a number without the licence's form (新出发<省>…字第…号).
- ``outlet_registry``: a site presenting itself as a news outlet that recruits
  "reporters" or issues 记者证/采访证 but is in the registry of licensed outlets
  neither by name nor by domain; and a news site whose name imitates a
  registered outlet's name ("人民日报社区网" vs "人民日报") on another domain.

The registry is ``data/registry/outlets.csv`` (name,domain), maintained by
analysts and re-read when it changes.
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from classifiers.errors import DataError
from classifiers.normalise import normalise_text

log = logging.getLogger(__name__)

REGISTRY_FILE = Path(__file__).resolve().parent / "data" / "registry" / "outlets.csv"

_PUBLICATION = re.compile(r"图书|书籍|电子书|教材|教辅|课本|小说|期刊|杂志|绘本|字帖|练习册|试卷|真题|"
                          r"辅导书|读物|pdf|epub|mobi|电子版|全本|套书|书店|书屋|旧书|二手书|漫画|画册|"
                          r"书号|刊号|影印|复印本|原版书|e-?books?|textbooks?")
_LICENCE_NAME = "出版物经营许可证"
# e.g. 新出发京批字第直110084号, 新出发沪零字第宝山1234号
_LICENCE_NUMBER = re.compile(r"新出发\s*[\u4e00-\u9fff]{1,2}\s*[\u4e00-\u9fff]{0,2}字\s*第\s*"
                             r"[\u4e00-\u9fffa-z]{0,4}\s*\d{3,10}\s*号")
_RECRUIT = re.compile(r"(?:招募|招聘|诚招|招收|征召|招)[^。,;!?]{0,12}(?:记者|站长|通讯员|采编)|"
                      r"(?:办理|颁发|发放|申领|核发|授予|寄出|办|发|代办|配发)[^。,;!?]{0,12}(?:记者证|采访证)|"
                      r"记者站")
_NEWS_LIKE = re.compile(r"新闻|日报|晚报|时报|报社|传媒|资讯|门户|通讯社|观察网|在线|频道|媒体")


@dataclass(frozen=True)
class CheckHit:
    category: str
    rule: str
    reason: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    return str(value)


@lru_cache(maxsize=4)
def _registry(path: str, mtime: float) -> tuple[tuple[str, str], ...]:
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"name", "domain"} <= set(reader.fieldnames):
                raise DataError(f"{path}: the header must name the columns 'name' and 'domain'")
            for n, row in enumerate(reader, start=2):
                name, domain = (row.get("name") or "").strip(), (row.get("domain") or "").strip().lower()
                if not name or not domain:
                    raise DataError(f"{path}: line {n}: fields 'name' and 'domain' must both be given")
                rows.append((normalise_text(name), domain))
    except OSError as exc:
        raise DataError(f"{path}: cannot read the outlet registry: {exc}") from exc
    return tuple(rows)


def registry(path: Path | None = None) -> tuple[tuple[str, str], ...]:
    p = Path(path or REGISTRY_FILE)
    if not p.is_file():
        raise DataError(f"{p}: the outlet registry does not exist")
    return _registry(str(p), p.stat().st_mtime)


def _host(url: str) -> str:
    """The site of a URL: its host name, with the port when it has one
    (a registry row may name ``host:port``: several outlets served from one
    intranet host, as the demo's sites are from 127.0.0.1, are told apart by
    port; a row without a port matches the host on any port)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return f"{host}:{parts.port}" if host and parts.port else host
    except ValueError:
        return ""


def _on_domain(host: str, domain: str) -> bool:
    if not host:
        return False
    if ":" not in domain:
        host = host.split(":", 1)[0]
    return host == domain or host.endswith("." + domain)


def sells_publications(doc: dict) -> str | None:
    """The publication word a shop's products, title or name show (normalised: 繁体,
    full-width and spaced-out forms count: 圖書, Ｐｄｆ, "电 子 书"), or None.

    This is the one place that decides it: a spider's own ``sells_publications``
    may say True (a profile's selector) but its False is not trusted, since it came
    from text that was not normalised."""
    products = _text(doc.get("products"))
    evidence = normalise_text(" ".join([products, _text(doc.get("title")), _text(doc.get("shop_name"))]))
    match = _PUBLICATION.search(evidence)
    return match.group() if match else None


def check_shop(doc: dict) -> list[CheckHit]:
    # a structural check needs the shop's structure: a bare text is the model's and the lexicon's job
    if not any(key in doc for key in ("shop_name", "products", "licence", "sells_publications")):
        return []
    match = sells_publications(doc)
    if not doc.get("sells_publications") and not match:
        return []
    what = f" (e.g. '{match}')" if match else ""
    shop = doc.get("shop_name") or "the shop"
    licence = normalise_text(_text(doc.get("licence")))
    if not licence.strip():
        body = normalise_text(_text(doc.get("text")))
        if _LICENCE_NAME in body:
            licence = body[body.index(_LICENCE_NAME):][:80]
    if not licence.strip():
        return [CheckHit("unlicensed_publication", "shop_licence",
                         f"{shop} sells publications{what} but shows no publication business licence ({_LICENCE_NAME})")]
    if not _LICENCE_NUMBER.search(licence.replace(" ", "")):
        shown = _text(doc.get("licence")).strip()[:60] or licence[:60]
        return [CheckHit("unlicensed_publication", "shop_licence",
                         f"{shop} sells publications{what} but its licence '{shown}' does not have the form of a "
                         f"publication business licence number (新出发<省>…字第…号)")]
    return []


def check_outlet(doc: dict, registry_path: Path | None = None) -> list[CheckHit]:
    if not doc.get("outlet") and not doc.get("url"):
        return []  # nothing to look up: the model and the lexicon judge the text
    kind = doc.get("kind", doc.get("source_kind"))
    outlet = normalise_text(_text(doc.get("outlet")).strip())
    if kind != "news" and not outlet:
        return []
    host = _host(_text(doc.get("url")))
    if not outlet and not host:
        return []
    rows = registry(registry_path)
    body = normalise_text(" ".join([_text(doc.get("title")), _text(doc.get("text")),
                                    _text(doc.get("licence_claim")), _text(doc.get("contact"))]))
    on_registered_domain = any(_on_domain(host, d) for _, d in rows)
    registered_name = any(outlet == n for n, _ in rows)
    hits: list[CheckHit] = []
    shown = _text(doc.get("outlet")).strip() or host
    if outlet and not on_registered_domain:
        for name, domain in rows:
            if outlet == name:
                if host:
                    hits.append(CheckHit("fake_media", "outlet_registry",
                                         f"'{shown}' uses the name of the registered outlet {name}, "
                                         f"but its site {host} is not that outlet's domain {domain}"))
                break
            if name in outlet or difflib.SequenceMatcher(None, outlet, name).ratio() >= 0.75:
                hits.append(CheckHit("fake_media", "outlet_registry",
                                     f"'{shown}' imitates the name of the registered outlet {name} "
                                     f"({domain}) but is not in the registry"))
                break
    recruit = _RECRUIT.search(body)
    if recruit and not on_registered_domain and not registered_name:
        if kind == "news" or _NEWS_LIKE.search(outlet + body):
            hits.append(CheckHit("fake_media", "outlet_registry",
                                 f"'{shown}' presents itself as a news outlet and recruits reporters or issues "
                                 f"press cards ('{recruit.group()}') but is not in the registry of licensed outlets"))
    return hits


def run_checks(doc: dict, registry_path: Path | None = None) -> list[CheckHit]:
    """All structural checks on one item dict."""
    return check_shop(doc) + check_outlet(doc, registry_path)


def registration_problem(outlet: str, urls, registry_path: Path | None = None) -> str | None:
    """Why a news site calling itself ``outlet`` (at ``urls``) is not covered
    by the registry, or None when the registry lists that name on the site's
    domain. Without such a row the fake-media check flags the licensed site's
    about page, recruitment notices and 记者站 pages (see docs/sources.md)."""
    rows = registry(registry_path)
    name = normalise_text(str(outlet or "").strip())
    hosts = sorted({h for h in (_host(u) for u in urls) if h})
    domains = [d for n, d in rows if n == name]
    if not domains:
        return f"the outlet '{outlet}' is not in the registry of licensed outlets"
    outside = [h for h in hosts if not any(_on_domain(h, d) for d in domains)]
    if outside:
        return (f"the registry lists '{outlet}' on {', '.join(domains)}, not on the site's "
                f"{', '.join(outside)}")
    return None
