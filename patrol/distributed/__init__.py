"""Crawling on many machines: a shared frontier in Redis (wrapping scrapy-redis).

``patrol crawl --distributed`` and the scheduler (when ``PATROL_REDIS_URL`` is
set) start a run with ``runs.enqueue_run``; ``patrol worker`` processes take
its requests (``scheduler``, ``queue``, ``dupefilter``: scrapy-redis's
classes with JSON requests, leases and per-run duplicate filters), crawl
them with the project's own spider callbacks (``spider``), hold each site to
its profile's concurrency and delay over all workers together (``lua.POP``,
``slots``, ``robots``), store through the project's pipelines
(``pipelines``) and finish leases and runs (``leases``, ``worker``, ``runs``).

What scrapy-redis 0.9.1 does, checked against its source with Scrapy 2.19,
and what is done about it here:

- ``RedisSpider`` defines ``start_requests()`` only; Scrapy 2.19's
  ``Spider.start()`` reads ``start_urls`` and never calls it. Not used: a
  run's start is a *seed* request in the frontier (``codec.seed``) whose
  callback, on a worker, yields the source spider's own ``start()``.
- Its queues pickle requests unless ``SCHEDULER_SERIALIZER`` says otherwise:
  ``codec`` writes JSON, callbacks by name from an allow-list.
- ``SCHEDULER_PERSIST`` is off by default and ``Scheduler.close`` then clears
  the queue: ``FrontierScheduler`` never clears it; runs remove their own keys.
- ``PriorityQueue.pop`` is ``ZRANGE`` + ``ZREMRANGEBYRANK`` with no
  acknowledgement: ``lua.POP`` leases what it hands out (a sorted set of
  deadlines), and ``lua.REQUEUE`` returns expired leases.
- ``RFPDupeFilter`` keeps one fingerprint set per spider for ever and is
  checked apart from the push: ``RunDupeFilter`` keys it by run, ``lua.PUSH``
  checks and queues in one step, and a request that failed after its retries
  is forgotten (and listed in its run).
"""
