"""What the server sent, kept beside an item until the evidence pipeline
knows whether the page raised a flag (``pipelines/evidence.py``).

The exchange is plain data (no Scrapy objects), so pipelines need not know
Scrapy's response classes. It lives on the item under ``_exchange`` (keys
starting with ``_`` are never stored) and is dropped by the evidence pipeline
for every page that raises nothing.

- The body as received: ``WireBodyMiddleware`` keeps the body before
  Scrapy's decompression when the response had a Content-Encoding; for pages
  rendered in Chromium the spider keeps the navigation response's body from
  Playwright's ``response`` event (the Scrapy response of such a page holds the
  rendered DOM instead, which is kept too, as ``dom``).
- A full-page screenshot of a rendered page, as bytes from the page method
  the spider adds (``SCREENSHOT_METHOD``); nothing is written to disk here.
"""

from __future__ import annotations

from typing import Any

WIRE_KEY = "patrol_wire"          # request.meta: (headers, body) before decompression
SCREENSHOT_KEY = "patrol_evidence_shot"  # request.meta: index of the screenshot PageMethod
EXCHANGE_KEY = "_exchange"        # item: the exchange, for pipelines/evidence.py
EVIDENCE_PIPELINE = "pipelines.evidence.EvidencePipeline"  # the one that takes it off again


def _pairs(headers) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values if isinstance(values, list) else [values]:
            out.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


class WireBodyMiddleware:
    """Downloader middleware placed before (above) the decompression middleware:
    keeps the compressed body and headers of a response that had a
    Content-Encoding, for the WARC record (only a reference, no copy)."""

    def process_response(self, request, response):
        if response.headers.get("Content-Encoding"):
            request.meta[WIRE_KEY] = (_pairs(response.headers), response.body)
        return response


def exchange_of(response, *, wire_body: bytes | None = None) -> dict[str, Any]:
    """The exchange of one response; ``wire_body`` for a rendered page is the
    navigation response's body as Playwright received it (None: unknown)."""
    request = response.request
    rendered = "playwright" in response.flags
    wire = response.meta.get(WIRE_KEY)
    headers = _pairs(response.headers)
    body, decoded = response.body, False
    if rendered:
        body, decoded = (wire_body if wire_body is not None else None), True
    elif wire is not None:
        headers, body = wire
    elif response.headers.get("Content-Encoding"):
        decoded = True
    screenshot = None
    index = response.meta.get(SCREENSHOT_KEY)
    methods = response.meta.get("playwright_page_methods") or []
    if isinstance(index, int) and 0 <= index < len(methods):
        screenshot = getattr(methods[index], "result", None)
    return {
        "url": response.url,
        "request_url": request.url if request is not None else response.url,
        "method": request.method if request is not None else "GET",
        "request_headers": _pairs(request.headers) if request is not None else [],
        "status": int(response.status),
        "response_headers": headers,
        "body": body,                      # None: the body as sent is not known
        "body_decoded": decoded,           # True: Content-Encoding no longer applies to body
        "ip": str(response.ip_address) if response.ip_address is not None else "",
        "protocol": response.protocol or "HTTP/1.1",
        "rendered": rendered,
        "dom": response.text if rendered else None,
        "screenshot": screenshot if isinstance(screenshot, (bytes, bytearray)) else None,
        "truncated": "download_stopped" in response.flags or "patrol_capped" in response.flags,
    }
