"""Crawling on many machines: a shared frontier in Redis (wrapping scrapy-redis).

``patrol crawl --distributed`` and the scheduler (when ``PATROL_REDIS_URL`` is
set) start a run with ``runs.enqueue_run``; ``patrol worker`` processes take
its requests (``scheduler``, ``queue``, ``dupefilter``: scrapy-redis's
classes with JSON requests, leases and per-run duplicate filters), crawl
them with the project's own spider callbacks (``spider``), hold each site to
its profile's concurrency and delay over all workers together (``lua.POP``,
``slots``, ``robots``), store through the project's pipelines
(``pipelines``) and finish leases and runs (``leases``, ``worker``, ``runs``).
"""
