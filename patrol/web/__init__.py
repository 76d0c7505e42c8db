"""The review console (issue 7): a Flask (APIFlask) application over the Store.

``create_app(store_url=None, secret_key=None)`` builds the WSGI app;
``serve(host, port)`` runs it under waitress (``patrol serve``,
``patrol demo --serve``). Views are thin: every read and write goes through
``patrol.store.Store``; templates are Jinja with autoescape on, because every
crawled title and text is hostile.
"""

from __future__ import annotations

from patrol.web.app import create_app
from patrol.web.serve import serve

__all__ = ["create_app", "serve"]
