"""What the demo server needs to know about each bundled site beyond its files:
the environment variable that carries its base URL, the pages served with a
special charset, redirects, and URLs that fail on purpose.

The pages themselves are static files under ``sites/<name>/``; the README next
to this module documents every URL pattern and selector.
"""

from __future__ import annotations

from pathlib import Path

SITES_DIR = Path(__file__).resolve().parent / "sites"

SITE_NAMES = ("appstore", "bookshop", "ziliaopu", "chengnan-daily", "fake-news", "shuwu", "fazhi-guancha")

# Profiles reference base URLs through these (``web.env()`` returns the mapping).
ENV_VARS = {name: "DEMO_" + name.upper().replace("-", "_") + "_URL" for name in SITE_NAMES}

# Content-Type charset per file. Files not listed are served as UTF-8; ``None``
# sends "text/html" with no charset at all (the page must be sniffed).
CHARSETS: dict[str, dict[str, str | None]] = {
    "ziliaopu": {
        "/goods/1003.html": "gbk",   # GBK bytes, charset in the header and in <meta>
        "/notice.html": None,        # GBK bytes, charset only in <meta http-equiv>
        "/goods/1004.html": None,    # UTF-8 bytes, no charset anywhere
    },
}

# 301 redirects: old path -> new path (same site).
REDIRECTS: dict[str, dict[str, str]] = {
    "appstore": {"/app/yingyu-huiben-old.html": "/app/yingyu-huiben.html"},
    "chengnan-daily": {"/news/old/1001.html": "/news/2025/1103-metro.html"},
}

# Paths that answer 500 Internal Server Error.
ERRORS: dict[str, set[str]] = {
    "chengnan-daily": {"/news/live.html"},
    "fake-news": {"/article/9999.html"},
}
