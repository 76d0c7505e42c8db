"""Run the console under waitress, a production WSGI server (pure Python,
no build step), for ``patrol serve`` and ``patrol demo --serve``."""

from __future__ import annotations

import logging
from typing import Callable

import waitress

log = logging.getLogger(__name__)


def make_server(host: str = "127.0.0.1", port: int = 8000, *, store_url: str | None = None,
                threads: int = 8):
    """The app and a bound (not yet running) waitress server; port 0 picks a free one."""
    from patrol.web.app import create_app
    app = create_app(store_url)
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="patrol-console", clear_untrusted_proxy_headers=True)
    return app, server


def serve(host: str = "127.0.0.1", port: int = 8000, *, store_url: str | None = None,
          echo: Callable[[str], None] = print) -> None:
    """Serve until interrupted; prints the URL, and how to create an account
    when the store has none."""
    app, server = make_server(host, port, store_url=store_url)
    store = app.extensions["patrol_store"]
    shown_host = server.effective_host if ":" not in str(server.effective_host) else f"[{server.effective_host}]"
    echo(f"Review console: http://{shown_host}:{server.effective_port}/  (store: {store.backend})")
    if not store.list_users():
        echo("No account yet. Create one with:  patrol users add NAME --role lead"
             "  (analysts: --role analyst)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        store.close()
