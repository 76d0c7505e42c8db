"""Redirects that go nowhere are counted, not silently dropped.

Scrapy's ``RedirectMiddleware`` follows up to ``REDIRECT_MAX_TIMES`` (20)
hops and then drops the request with a DEBUG line, so a site that redirects
in a circle ended as "ok" with 0 items. Here a redirect back to a URL already
in the chain stops at once (``patrol/redirect/loop``), running out of hops
counts ``patrol/redirect/max_reached``; both log a warning with the chain,
and the run's judgement sees them. Meta-refresh redirects get the same.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class _Counting:
    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        stats = self.crawler.stats
        if redirected.url in chain:
            stats.inc_value("patrol/redirect/loop")
            logger.warning("redirect loop dropped: %s -> %s", " -> ".join(chain), redirected.url)
            raise IgnoreRequest("redirect loop")
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            stats.inc_value("patrol/redirect/max_reached")
            logger.warning("too many redirects, dropped after %d: %s", len(chain), chain[0])
            raise


class CountingRedirectMiddleware(_Counting, RedirectMiddleware):
    pass


class CountingMetaRefreshMiddleware(_Counting, MetaRefreshMiddleware):
    pass
