"""Requests as JSON for the shared frontier: never pickle.

scrapy-redis stores requests with pickle by default, so anyone who can write
to Redis could run code in every worker. Here a request is a JSON object of
its attributes (``Request.attributes``) with:

- callbacks and errbacks **by name**, resolved on the worker against the
  spider of the request's source, and only to the spider's ``parse*``
  methods, ``on_error`` and the worker's ``seed`` (``CALLBACKS``);
- bytes (body, header values) as base64 / latin-1 text;
- meta as plain JSON, except the tagged values below; any other Python object
  in meta is an error that names the key, so a spider change that puts an
  unserialisable object in meta fails in the tests, not at page 900;
- Playwright page methods as ``{"$page_method": [name, args, kwargs]}``,
  where a function (the profile's soft wait) is named from an allow-list
  (``PAGE_FUNCTIONS``), never imported by an arbitrary path;
- the request class from an allow-list (Scrapy's ``request_from_dict`` would
  import any class a stored request names).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

from scrapy import FormRequest, Request
from scrapy.http import JsonRequest
from scrapy.http.request import NO_CALLBACK

from patrol.errors import PatrolError

VERSION = 1
CLASSES = {"Request": Request, "FormRequest": FormRequest, "JsonRequest": JsonRequest}
FIXED_CALLBACKS = ("on_error", "seed")
LOCAL_META = ("patrol_lease", "patrol_slot", "patrol_parent")  # this worker's, never stored


class CodecError(PatrolError, ValueError):
    """A request cannot be written as JSON, or a stored one cannot be read."""


def allowed_callback(name: str) -> bool:
    return isinstance(name, str) and (name in FIXED_CALLBACKS or
                                      (name.startswith("parse") and name.isidentifier()))


def _page_functions() -> dict[str, Callable]:
    from spiders.profile_spider import wait_softly
    return {"wait_softly": wait_softly}


def _callback_name(func: Any, what: str, url: str) -> str | None:
    if func is None:
        return None
    if func is NO_CALLBACK:
        return "$none"
    name = getattr(func, "patrol_callback_name", None)  # a worker's wrapped callback
    if name is not None and allowed_callback(name):
        return name
    name = getattr(func, "__name__", None)
    owner = getattr(func, "__self__", None)
    if owner is None or not allowed_callback(name) or getattr(owner, name, None) != func:
        raise CodecError(f"request {url}: {what} {func!r} is not a spider method the frontier "
                         f"can name (allowed: parse*, {', '.join(FIXED_CALLBACKS)})")
    return name


def _encode_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise CodecError(f"{where}: key {k!r} is not a string")
            out[k] = _encode_value(v, f"{where}.{k}")
        return out
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    from scrapy_playwright.page import PageMethod
    if isinstance(value, PageMethod):
        method = value.method
        if callable(method):
            names = {f: n for n, f in _page_functions().items()}
            if method not in names:
                raise CodecError(f"{where}: page method function {method!r} is not in "
                                 "codec.PAGE_FUNCTIONS")
            method = "fn:" + names[method]
        return {"$page_method": [method, _encode_value(list(value.args), where),
                                 _encode_value(value.kwargs, where)]}
    raise CodecError(f"{where}: a {type(value).__name__} cannot be stored as JSON")


def _decode_value(value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [_decode_value(v, where) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "$bytes" in value:
        try:
            return base64.b64decode(value["$bytes"], validate=True)
        except (ValueError, TypeError):
            raise CodecError(f"{where}: bad base64") from None
    if len(value) == 1 and "$page_method" in value:
        from scrapy_playwright.page import PageMethod
        spec = value["$page_method"]
        if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str)
                and isinstance(spec[1], list) and isinstance(spec[2], dict)):
            raise CodecError(f"{where}: bad $page_method")
        method: Any = spec[0]
        if method.startswith("fn:"):
            method = _page_functions().get(method[3:])
            if method is None:
                raise CodecError(f"{where}: unknown page function {spec[0]!r}")
        return PageMethod(method, *_decode_value(spec[1], where), **_decode_value(spec[2], where))
    return {k: _decode_value(v, f"{where}.{k}") for k, v in value.items()}


def _header(value: bytes):
    """ASCII header values as text; others as bytes (Scrapy would re-encode text as UTF-8)."""
    return value.decode("ascii") if value.isascii() else _encode_value(value, "header")


def encode(request: Request) -> str:
    """The request as a JSON text (raises CodecError naming what cannot be stored)."""
    cls = next((n for n, c in CLASSES.items() if type(request) is c), None)
    if cls is None:
        raise CodecError(f"request {request.url}: class {type(request).__name__} is not one of "
                         f"{', '.join(CLASSES)}")
    meta = {k: v for k, v in request.meta.items() if k not in LOCAL_META}
    doc = {
        "v": VERSION, "class": cls, "url": request.url, "method": request.method,
        "headers": {k.decode("latin-1"): [_header(v) for v in vs] for k, vs in request.headers.items()},
        "body": base64.b64encode(request.body).decode("ascii") if request.body else "",
        "cookies": _encode_value(request.cookies, "cookies"),
        "meta": _encode_value(meta, f"request {request.url}: meta"),
        "encoding": request.encoding, "priority": request.priority,
        "dont_filter": request.dont_filter, "flags": list(request.flags),
        "cb_kwargs": _encode_value(request.cb_kwargs, f"request {request.url}: cb_kwargs"),
        "callback": _callback_name(request.callback, "callback", request.url),
        "errback": _callback_name(request.errback, "errback", request.url),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def decode(text: str, resolve: Callable[[dict, str], Callable]) -> Request:
    """The request stored as ``text``; ``resolve(meta, name)`` gives the bound
    method for a callback name (the worker's spider of the request's source)."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise CodecError(f"stored request is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("v") != VERSION:
        raise CodecError(f"stored request has no version {VERSION} object: {text[:120]!r}")
    cls = CLASSES.get(doc.get("class"))
    if cls is None:
        raise CodecError(f"stored request names an unknown class {doc.get('class')!r}")
    url = doc.get("url")
    if not isinstance(url, str):
        raise CodecError("stored request has no url")
    meta = _decode_value(doc.get("meta") or {}, f"request {url}: meta")
    if not isinstance(meta, dict):
        raise CodecError(f"request {url}: meta is not an object")

    def method(field: str):
        name = doc.get(field)
        if name is None:
            return None
        if name == "$none":
            return NO_CALLBACK
        if not allowed_callback(name):
            raise CodecError(f"request {url}: {field} {name!r} is not an allowed callback")
        return resolve(meta, name)

    try:
        headers = {k: [_decode_value(v, f"request {url}: header {k}") for v in vs]
                   for k, vs in (doc.get("headers") or {}).items()}
        body = base64.b64decode(doc.get("body") or "", validate=True)
        return cls(url=url, method=doc.get("method") or "GET", headers=headers, body=body,
                   cookies=_decode_value(doc.get("cookies"), "cookies"), meta=meta,
                   encoding=doc.get("encoding") or "utf-8", priority=int(doc.get("priority") or 0),
                   dont_filter=bool(doc.get("dont_filter")), flags=list(doc.get("flags") or []),
                   cb_kwargs=_decode_value(doc.get("cb_kwargs") or {}, "cb_kwargs"),
                   callback=method("callback"), errback=method("errback"))
    except (TypeError, ValueError) as exc:
        raise CodecError(f"request {url}: cannot rebuild it: {exc}") from None


def seed(run: str, source: str) -> str:
    """The JSON of a run's seed: a ``data:`` request whose callback, on a
    worker, yields the source's start requests (the spider's own ``start()``)."""
    return json.dumps({
        "v": VERSION, "class": "Request", "url": "data:,", "method": "GET", "headers": {},
        "body": "", "cookies": {}, "encoding": "utf-8", "priority": 1000, "dont_filter": True,
        "flags": [], "cb_kwargs": {}, "callback": "seed", "errback": "on_error",
        "meta": {"patrol_run": run, "patrol_source": source, "patrol_role": "seed",
                 "dont_obey_robotstxt": True, "dont_cache": True},
    }, ensure_ascii=False, separators=(",", ":"))
