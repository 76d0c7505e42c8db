"""Scrapy settings for the patrol project (``scrapy.cfg`` points here).

Values that the office configures come from the ``PATROL_*`` registry in
``patrol.config`` so a crawl started by ``scrapy crawl``, ``patrol crawl`` or
the scheduler behaves the same.
"""

from patrol import config as _config

BOT_NAME = "patrol"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "spiders.commands"  # scrapy crawl checks -a source first (spiders/commands/crawl.py)

# Responsible crawling (DESIGN.md): robots.txt, an honest user agent with a
# contact, AutoThrottle, a non-zero delay and per-domain limits. Scrapy 2.14+
# under asyncio does not hold CONCURRENT_REQUESTS_PER_DOMAIN alone with a zero
# delay, so the delay is never zero by default.
ROBOTSTXT_OBEY = True
USER_AGENT = _config.user_agent()
DOWNLOAD_DELAY = _config.get("PATROL_DOWNLOAD_DELAY")
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% of the delay (Scrapy's default; the old RANDOMIZE_DOWNLOAD_DELAY is deprecated)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = _config.get("PATROL_CONCURRENCY_PER_DOMAIN")
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(DOWNLOAD_DELAY, 0.1)
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
COOKIES_ENABLED = False
DOWNLOAD_MAXSIZE = 0  # the size cap is applied (and logged) by our middlewares:
DOWNLOAD_WARNSIZE = 0  # pagecap on the wire, decompress after decompression
# Scrapy's own components with a counter added (spiders/middlewares/): a gzip
# bomb, a redirect loop and a page whose declared UTF-8 is GBK are counted
# under patrol/... and seen by the run's judgement.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "spiders.middlewares.decompress.CappedDecompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "spiders.middlewares.redirects.CountingRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.middlewares.redirects.CountingMetaRefreshMiddleware": 580,
    "spiders.middlewares.encoding.EncodingCheckMiddleware": 570,
    # Sees a response before decompression: the body as received, for evidence.
    "spiders.exchange.WireBodyMiddleware": 595,
}

# No remote code execution surfaces in a crawler that reads hostile pages.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

LOG_LEVEL = _config.get("PATROL_LOG_LEVEL")
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

PATROL_STORE = _config.get("PATROL_STORE")
PATROL_SOURCES = _config.get("PATROL_SOURCES")
PATROL_MODEL = _config.get("PATROL_MODEL")
PATROL_CHROMIUM = _config.get("PATROL_CHROMIUM")
PATROL_DATA_DIR = _config.get("PATROL_DATA_DIR")
PATROL_MAX_PAGE_BYTES = _config.get("PATROL_MAX_PAGE_BYTES")
PATROL_SCREENSHOTS = _config.get("PATROL_SCREENSHOTS")
PATROL_EVIDENCE = _config.get("PATROL_EVIDENCE")
PATROL_EVIDENCE_DIR = _config.get("PATROL_EVIDENCE_DIR")
PATROL_OFFICE = _config.get("PATROL_OFFICE")

PATROL_STORE_TIMEOUT = _config.get("PATROL_STORE_TIMEOUT")
PATROL_STORE_BATCH = _config.get("PATROL_STORE_BATCH")
PATROL_STORE_FLUSH_SECONDS = _config.get("PATROL_STORE_FLUSH_SECONDS")
PATROL_CLASSIFY = _config.get("PATROL_CLASSIFY")
PATROL_CLASSIFY_WORKERS = _config.get("PATROL_CLASSIFY_WORKERS")
PATROL_RUN_ID = _config.get("PATROL_RUN_ID")
PATROL_RUN_TRIGGER = _config.get("PATROL_RUN_TRIGGER")

PATROL_STATS_FILE = _config.get("PATROL_STATS_FILE")
PATROL_OUTLET_REGISTRY = _config.get("PATROL_OUTLET_REGISTRY")
# The two are off (above); listed as None so Scrapy does not even import them: the remote
# control's module imports aiohttp, 0.1 s CPU of every crawl's start-up (benchmarks/crawl/startup.py).
EXTENSIONS = {"patrol.crawlstats.StatsFile": 900, "scrapy.extensions.telnet.TelnetConsole": None,
              "scrapy.extensions.remote_control.RemoteControl": None}
# Scrapy reads every callback's source once (inspect.getsource + ast) to warn of a generator
# that returns a value: a development aid that cost a crawl 0.1-0.3 s before its first item.
WARN_ON_GENERATOR_RETURN_VALUE = False

# normalise -> dedupe/change -> classify -> evidence (flagged only) -> store
# (DESIGN.md, "Data flow")
ITEM_PIPELINES = {
    "pipelines.normalise.NormalisePipeline": 100,
    "pipelines.dedupe.DedupePipeline": 200,
    "pipelines.classify.ClassifyPipeline": 300,
    "pipelines.evidence.EvidencePipeline": 400,
    "pipelines.store.StorePipeline": 900,
}
