"""Source profiles: one YAML file per target site, validated into a typed object.

An analyst adds a site by writing a profile, not code. Every error names the
file and the field, e.g.
``patrol/sources/x.yaml: field 'fields.downloads': expected a CSS or XPath selector string``.

Selectors are CSS (with parsel's ``::text`` / ``::attr(name)``) or XPath with
an ``xpath:`` prefix. ``${VAR}`` in any string value is replaced by the
environment variable at load time; an unset variable is an error.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from croniter import croniter
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from patrol import config
from patrol.errors import PatrolError
from patrol.items import KIND_FIELDS
from spiders.strict_yaml import StrictYAMLError, load_strict

logger = logging.getLogger(__name__)

KINDS = ("app", "shop", "news")
RENDERS = ("http", "browser")
LINK_ROLES = ("listing", "detail", "next", "about")
PRODUCT_KEYS = ("item", "title", "price", "url")
DEFAULT_SCHEDULE = "0 2 * * *"
TOP_KEYS = {"name", "kind", "enabled", "schedule", "render", "start_urls", "allowed_domains",
            "links", "fields", "politeness", "browser", "store", "max_pages", "description",
            "weight", "licensed_outlet"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EMPTY = Selector(text="<html></html>")


class ProfileError(PatrolError):
    """A source profile cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    path: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    render: str = "http"
    delay: float | None = None          # politeness override, seconds
    concurrency: int | None = None      # politeness override, per domain
    schedule: str = DEFAULT_SCHEDULE
    enabled: bool = True
    store: str = ""                     # app kind: the store's name in app identities
    max_pages: int = 0                  # 0: no limit
    wait_for: str = ""                  # browser: CSS selector to wait for
    screenshot: bool | None = None      # browser: None follows PATROL_SCREENSHOTS
    description: str = ""
    weight: float = 1.0                 # review priority of this source's flags (1 = normal)
    licensed_outlet: tuple[str, str] | None = None  # news: (name, licence) the site claims; checked by sources check


def _fail(path: Path | str, where: str, message: str) -> ProfileError:
    return ProfileError(f"{path}: field '{where}': {message}")


def _expand(value: Any, path: Path, where: str) -> Any:
    """Replace ``${VAR}`` recursively. Hand-written because os.path.expandvars
    silently leaves an unset variable in place; here that is an error."""
    if isinstance(value, str):
        def sub(m: re.Match) -> str:
            if m.group(1) not in os.environ:
                raise _fail(path, where, f"environment variable {m.group(1)} is not set")
            return os.environ[m.group(1)]
        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [_expand(v, path, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _expand(v, path, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    return value


def check_selector(value: Any, path: Path | str, where: str) -> str:
    """Validate one selector string by compiling it with parsel."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, "expected a CSS or XPath selector string")
    value = value.strip()
    try:
        if value.startswith("xpath:"):
            _EMPTY.xpath(value[6:])
        else:
            HTMLTranslator().css_to_xpath(value)
    except Exception as exc:  # cssselect and lxml raise several types
        kind = "XPath" if value.startswith("xpath:") else "CSS"
        raise _fail(path, where, f"invalid {kind} selector {value!r}: {exc}") from None
    return value


def _str_list(raw: Any, path: Path, where: str, *, selectors: bool = False) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "expected a string or a non-empty list of strings")
    out = []
    for i, v in enumerate(raw):
        if selectors:
            out.append(check_selector(v, path, f"{where}[{i}]"))
        elif not isinstance(v, str) or not v.strip():
            raise _fail(path, f"{where}[{i}]", "expected a non-empty string")
        else:
            out.append(v.strip())
    return tuple(out)


def known_fields(kind: str) -> tuple[str, ...]:
    return ("title", "text") + tuple(f for f in KIND_FIELDS[kind] if f != "store")


def _fields(raw: Any, kind: str, path: Path) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(path, "fields", "expected a mapping of field name to selector")
    known = known_fields(kind)
    out: dict[str, Any] = {}
    for name, sel in raw.items():
        where = f"fields.{name}"
        if name not in known:
            raise _fail(path, where, f"unknown field for kind {kind} (known: {', '.join(known)})")
        if name == "products":
            if not isinstance(sel, dict) or "item" not in sel:
                raise _fail(path, where, "expected a mapping with 'item' and any of title, price, url")
            for key in sel:
                if key not in PRODUCT_KEYS:
                    raise _fail(path, f"{where}.{key}", f"unknown key (known: {', '.join(PRODUCT_KEYS)})")
            out[name] = {k: check_selector(v, path, f"{where}.{k}") for k, v in sel.items()}
        else:
            out[name] = check_selector(sel, path, where)
    return out


def _number(raw: Any, path: Path, where: str, typ: type, minimum: float) -> Any:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < minimum:
        raise _fail(path, where, f"expected a number >= {minimum}")
    if typ is int and not float(raw).is_integer():
        raise _fail(path, where, "expected a whole number")
    return typ(raw)


def parse_profile(data: Any, path: Path) -> Profile:
    """Validate a loaded YAML document into a Profile."""
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a YAML mapping at the top level")
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(path, str(key), f"unknown field (known: {', '.join(sorted(TOP_KEYS))})")
    data = _expand(data, path, "")
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise _fail(path, "name", "expected a name of letters, digits, '_', '.' or '-'")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _fail(path, "kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    start_urls = _str_list(data.get("start_urls"), path, "start_urls")
    for i, url in enumerate(start_urls):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _fail(path, f"start_urls[{i}]", f"expected an http(s) URL, got {url!r}")
    if data.get("allowed_domains") is None:
        domains = tuple(sorted({urlsplit(u).hostname for u in start_urls}))
    else:
        domains = _str_list(data["allowed_domains"], path, "allowed_domains")
        for i, d in enumerate(domains):
            if not re.fullmatch(r"[A-Za-z0-9.-]+", d):
                raise _fail(path, f"allowed_domains[{i}]",
                            f"expected a host name without scheme, port or path, got {d!r}")
    links_raw = data.get("links") or {}
    if not isinstance(links_raw, dict):
        raise _fail(path, "links", f"expected a mapping with any of {', '.join(LINK_ROLES)}")
    links = {}
    for role, sel in links_raw.items():
        if role not in LINK_ROLES:
            raise _fail(path, f"links.{role}", f"unknown link role (known: {', '.join(LINK_ROLES)})")
        links[role] = _str_list(sel, path, f"links.{role}", selectors=True)
    render = data.get("render", "http")
    if render not in RENDERS:
        raise _fail(path, "render", f"expected http or browser, got {render!r}")
    pol = data.get("politeness") or {}
    if not isinstance(pol, dict) or set(pol) - {"delay", "concurrency"}:
        raise _fail(path, "politeness", "expected a mapping with delay and/or concurrency")
    browser = data.get("browser") or {}
    if not isinstance(browser, dict) or set(browser) - {"wait_for", "screenshot"}:
        raise _fail(path, "browser", "expected a mapping with wait_for and/or screenshot")
    wait_for = check_selector(browser["wait_for"], path, "browser.wait_for") if "wait_for" in browser else ""
    if wait_for.startswith("xpath:"):
        raise _fail(path, "browser.wait_for", "expected a CSS selector")
    shot = browser.get("screenshot")
    if shot is not None and not isinstance(shot, bool):
        raise _fail(path, "browser.screenshot", "expected true or false")
    schedule = data.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str) or not croniter.is_valid(schedule):
        raise _fail(path, "schedule", f"expected a cron expression like '{DEFAULT_SCHEDULE}', got {schedule!r}")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(path, "enabled", "expected true or false")
    for key in ("store", "description"):
        if not isinstance(data.get(key, ""), str):
            raise _fail(path, key, "expected a string")
    licensed = _licensed_outlet(data.get("licensed_outlet"), kind, path)
    return Profile(
        name=name, kind=kind, path=str(path), start_urls=start_urls, allowed_domains=domains,
        links=links, fields=_fields(data.get("fields"), kind, path), render=render,
        delay=_number(pol.get("delay"), path, "politeness.delay", float, 0.01),
        concurrency=_number(pol.get("concurrency"), path, "politeness.concurrency", int, 1),
        schedule=schedule, enabled=enabled, store=data.get("store", "") or name,
        max_pages=_number(data.get("max_pages"), path, "max_pages", int, 0) or 0,
        wait_for=wait_for, screenshot=shot, description=data.get("description", ""),
        weight=_number(data.get("weight"), path, "weight", float, 0.01) or 1.0,
        licensed_outlet=licensed,
    )


# The licence of an Internet news information service (互联网新闻信息服务许可证):
# an 11-digit number, e.g. 10120170001 (issuer code, year, serial).
_NEWS_LICENCE = re.compile(r"[0-9]{11}")


def _licensed_outlet(value: Any, kind: str, path) -> tuple[str, str] | None:
    """``licensed_outlet: {name, licence}``: the registered outlet a news site
    is. Its name must have the form of a registry name (one CSV cell: no comma,
    quote or line break); ``patrol sources check`` looks it up in the registry."""
    if value is None:
        return None
    if kind != "news":
        raise _fail(path, "licensed_outlet", "only a news profile names a licensed outlet")
    if not isinstance(value, dict) or set(value) != {"name", "licence"}:
        raise _fail(path, "licensed_outlet", "expected a mapping with name and licence")
    name, licence = value["name"], value["licence"]
    if not isinstance(name, str) or not name.strip() or re.search(r'[,"\r\n]', name):
        raise _fail(path, "licensed_outlet.name",
                    "expected the outlet's registered name (as in the registry's name column)")
    licence = str(licence).strip() if isinstance(licence, (str, int)) and not isinstance(licence, bool) else ""
    if not _NEWS_LICENCE.fullmatch(licence):
        raise _fail(path, "licensed_outlet.licence",
                    f"expected the 11-digit number of its 互联网新闻信息服务许可证 (e.g. 10120170001), got {value['licence']!r}")
    return name.strip(), licence


def load_profile(path: str | Path) -> Profile:
    """Read and validate one profile file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{p}: cannot read profile: {exc}") from None
    try:
        data = load_strict(text)
    except StrictYAMLError as exc:
        raise ProfileError(f"{p}: line {exc.line}: {exc.message}") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{p}: not valid YAML: {' '.join(str(exc).split())}") from None
    return parse_profile(data, p)


def sources_dir() -> Path:
    return Path(config.get("PATROL_SOURCES"))


def profile_paths(directory: str | Path | None = None) -> list[Path]:
    d = Path(directory) if directory else sources_dir()
    if not d.is_dir():
        raise ProfileError(f"{d}: sources directory does not exist (PATROL_SOURCES)")
    return sorted(list(d.glob("*.yaml")) + list(d.glob("*.yml")))


def find_profile(source: str, directory: str | Path | None = None) -> Profile:
    """A profile by file path or by name in the sources directory."""
    if source.endswith((".yaml", ".yml")) or os.sep in source:
        return load_profile(source)
    for p in profile_paths(directory):
        if p.stem == source:
            return load_profile(p)
    for p in profile_paths(directory):
        try:
            prof = load_profile(p)
        except ProfileError:
            continue
        if prof.name == source:
            return prof
    raise ProfileError(f"no source profile named {source!r} in {Path(directory) if directory else sources_dir()}")
