"""One flagged page's capture: WARC 1.1 records written with warcio, and for a
page rendered in Chromium its rendered DOM and full-page screenshot.

The WARC (gzip per record, as WARC readers expect) holds a ``warcinfo``
record (software, user agent, operator's office), then the ``request`` and
``response`` pair: the request headers as sent, the status line and headers
and the body as received, the server's IP address (``WARC-IP-Address``).
Headers that no longer describe the stored body are kept under the
``X-Archive-Orig-`` prefix, as web-archive replay tools expect: Scrapy removes
chunked transfer encoding, and Playwright hands over a body already decoded.

Returns a capture record: ``status`` "captured", "partial" (a part is missing,
``reason`` says which) or "missing" (nothing could be kept, ``reason`` says
why), with the SHA-256 and size of each file (``patrol.evidence.blobs``).
"""

from __future__ import annotations

import datetime as _dt
import io
import logging

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

_REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
            302: "Found", 304: "Not Modified", 404: "Not Found", 410: "Gone",
            500: "Internal Server Error"}


def _warc_date(value) -> str:
    if isinstance(value, _dt.datetime):
        value = value.astimezone(_dt.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def _http_headers(exchange: dict) -> list[tuple[str, str]]:
    body = exchange.get("body") or b""
    out = []
    for name, value in exchange.get("response_headers", []):
        low = name.lower()
        if (low == "transfer-encoding"
                or (low == "content-encoding" and exchange.get("body_decoded"))
                or (low == "content-length" and value.strip() != str(len(body)))):
            name = "X-Archive-Orig-" + name
        out.append((name, value))
    return out


def build_warc(exchange: dict, *, fetched_at, software: str, user_agent: str,
               operator: str) -> bytes:
    """The WARC file (bytes) of one exchange."""
    from urllib.parse import urlsplit

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    date = _warc_date(fetched_at)
    info = {"software": software, "format": "WARC File Format 1.1",
            "http-header-user-agent": user_agent, "operator": operator,
            "description": "content-patrol capture of a flagged page"}
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", info))
    url = exchange["url"]
    status = int(exchange["status"])
    resp_headers = StatusAndHeaders(f"{status} {_REASONS.get(status, 'Status')}",
                                    _http_headers(exchange), protocol=exchange.get("protocol") or "HTTP/1.1")
    warc_headers = {"WARC-Date": date}
    if exchange.get("ip"):
        warc_headers["WARC-IP-Address"] = exchange["ip"]
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(exchange.get("body") or b""),
                                         http_headers=resp_headers, warc_headers_dict=warc_headers)
    parts = urlsplit(exchange.get("request_url") or url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = list(exchange.get("request_headers", []))
    if not any(k.lower() == "host" for k, _ in req_headers):
        req_headers.insert(0, ("Host", parts.netloc))
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"{exchange.get('method', 'GET')} {target} HTTP/1.1",
                                      req_headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    writer.write_request_response_pair(request, response)
    return buf.getvalue()


def missing(reason: str, **extra) -> dict:
    return {"status": "missing", "reason": reason, "warc": None, "dom": None, "screenshot": None,
            **extra}


def capture(exchange: dict | None, blobs, *, fetched_at, software: str, user_agent: str,
            operator: str, max_bytes: int = 0) -> dict:
    """Write the capture files of one exchange; never raises for a bad page
    (the flag is raised all the same, with the capture marked missing)."""
    if exchange is None:
        return missing("no response was kept for this page")
    base = {"url": exchange.get("url"), "ip": exchange.get("ip", ""),
            "http_status": exchange.get("status"), "rendered": bool(exchange.get("rendered")),
            "fetched_at": _warc_date(fetched_at)}
    if exchange.get("truncated"):
        return missing(f"the body is larger than PATROL_MAX_PAGE_BYTES ({max_bytes} bytes) "
                       "and was cut off; a cut body is not kept as evidence", **base)
    reasons = []
    if exchange.get("body") is None:
        reasons.append("the body as sent by the server was not available from the browser")
    try:
        warc = blobs.put(build_warc(exchange, fetched_at=fetched_at, software=software,
                                    user_agent=user_agent, operator=operator))
    except OSError as exc:
        logger.error("evidence: cannot write the capture of %s: %s", exchange.get("url"), exc)
        return missing(f"the capture could not be written: {exc.strerror or exc}", **base)
    except Exception as exc:  # a hostile page must not stop the crawl (its flag is raised)
        logger.exception("evidence: cannot build the WARC of %s", exchange.get("url"))
        return missing(f"the WARC could not be built: {type(exc).__name__}: {exc}", **base)
    record = {"status": "captured", "reason": "", "warc": warc, "dom": None, "screenshot": None, **base}
    if exchange.get("rendered"):
        try:
            if exchange.get("dom") is not None:
                record["dom"] = blobs.put(exchange["dom"].encode("utf-8"))
            else:
                reasons.append("no rendered DOM")
            if exchange.get("screenshot"):
                record["screenshot"] = blobs.put(bytes(exchange["screenshot"]))
            else:
                reasons.append("the browser took no screenshot")
        except OSError as exc:
            reasons.append(f"the DOM or screenshot could not be written: {exc.strerror or exc}")
    if reasons:
        record.update(status="partial", reason="; ".join(reasons))
    return record


CAPTURE_KEY = "_capture"  # item: the capture record, for pipelines/store.py
