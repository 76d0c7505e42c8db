from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from patrol.demo import DemoWeb


@pytest.fixture(scope="module")
def web():
    with DemoWeb() as w:
        yield w


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, timeout: float = 15):
    """(status, headers, body) without following redirects or raising on 4xx/5xx."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture
def get():
    return fetch
