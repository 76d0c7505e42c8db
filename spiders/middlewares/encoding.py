"""Pages whose declared encoding is wrong: decoded right, and counted.

Chinese sites still serve GBK/GB18030 bodies under a ``charset=utf-8``
header or ``<meta charset="utf-8">``; Scrapy believes the declaration and the
text becomes mojibake (U+FFFD everywhere), silently. When a page declares
UTF-8 but its body is not valid UTF-8 and is valid GB18030 (a superset of
GBK and GB2312), the response is re-read as GB18030 and counted
``patrol/encoding/mismatch``; a body valid in neither is counted
``patrol/encoding/undecodable`` (Scrapy's replacement characters stay). Both
are logged with the URL and seen by the run's judgement.

Runs after decompression (its ``process_response`` sits below
HttpCompressionMiddleware's 590).
"""

from __future__ import annotations

import codecs
import logging

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

logger = logging.getLogger(__name__)

UTF8 = codecs.lookup("utf-8").name


def declared(response: TextResponse) -> str | None:
    header = response.headers.get(b"Content-Type")
    name = http_content_type_encoding(header.decode("latin-1") if header else None)
    name = name or html_body_declared_encoding(response.body[:4096])
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


class EncodingCheckMiddleware:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        if not isinstance(response, TextResponse) or declared(response) != UTF8:
            return response
        body = response.body
        if body.startswith(codecs.BOM_UTF8):
            return response
        try:
            body.decode("utf-8")
            return response
        except UnicodeDecodeError:
            pass
        try:
            body.decode("gb18030")
        except UnicodeDecodeError:
            self.stats.inc_value("patrol/encoding/undecodable")
            logger.warning("page declared UTF-8 is not valid UTF-8 nor GB18030: %s", response.url)
            return response
        self.stats.inc_value("patrol/encoding/mismatch")
        logger.warning("page declared UTF-8 is GBK/GB18030; read as GB18030: %s", response.url)
        return response.replace(encoding="gb18030")
