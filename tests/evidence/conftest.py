"""Fixtures for evidence tests: real crawls of the demo sites, a real local
TSA (``openssl ts``), the office key made by ``patrol evidence keygen``."""

from __future__ import annotations

import socket

import pytest

from patrol.demo import DemoWeb
from tests.evidence.tsa import LocalTSA


@pytest.fixture(scope="module")
def demo_web():
    with DemoWeb() as web:
        yield web


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    t = LocalTSA(tmp_path_factory.mktemp("tsa"))
    yield t
    t.close()


@pytest.fixture
def dead_url():
    """A URL on a port nothing listens on (a TSA that does not answer)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"
