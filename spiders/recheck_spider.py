"""``scrapy crawl recheck -a source=NAME -a plan=FILE -a out=FILE``: re-fetch
the URLs of takedown-requested cases (patrol/evidence/recheck.py).

A re-check is a crawl of a few URLs with its own trigger: this is the
profile spider (same profile, user agent, robots.txt, politeness, rendering in
Chromium) started on the plan's URLs instead of the profile's start pages,
following no links. Each answer, whatever its status, is captured as
evidence (WARC, and DOM and screenshot of a rendered page) beside the store,
its text extracted by the profile and classified; one JSON line per URL goes
to ``out`` (``{"flag_id", "url", "http_status", "title", "text",
"content_hash", "verdicts", "scores", "capture"}``, or ``"error"`` when the
page could not be fetched). Nothing is written to the store here: the parent
(``patrol recheck``) judges and records, so a re-check never raises or
re-opens a flag through the crawl's store pipeline.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import platform
from pathlib import Path
from typing import Any

import scrapy

from patrol import __version__
from patrol.errors import PatrolError
from patrol.evidence.blobs import Blobs, evidence_dir
from patrol.evidence.capture import capture
from patrol.items import content_hash
from pipelines.classify import classifier_doc
from pipelines.normalise import tidy
from spiders.exchange import exchange_of
from spiders.profile_spider import ProfileSpider

logger = logging.getLogger(__name__)

# Statuses whose page is read (not dropped by HttpErrorMiddleware): a removal
# is often a 404/410/451, and an error page is evidence too. Redirects are followed.
SEEN_STATUSES = [403, 404, 408, 410, 429, 451, 500, 502, 503, 504]


class RecheckSpider(ProfileSpider):
    name = "recheck"
    custom_settings = {"ITEM_PIPELINES": {}, "HTTPCACHE_ENABLED": False}

    def __init__(self, source: str | None = None, plan: str = "", out: str = "", *args: Any,
                 **kwargs: Any):
        super().__init__(source, *args, **kwargs)
        if not plan or not out:
            raise PatrolError("spider recheck: give -a plan=<file> -a out=<file>")
        try:
            self.plan = json.loads(Path(plan).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PatrolError(f"recheck plan {plan}: {exc}") from exc
        self.out_path = Path(out)
        self.model = None
        self.blobs: Blobs | None = None

    @property
    def evidence_on(self) -> bool:
        return True  # every re-check keeps its capture (the spider writes it itself)

    def _open(self) -> None:
        import classifiers
        s = self.settings
        self.model = classifiers.load_model(s.get("PATROL_MODEL"))
        self.blobs = Blobs(evidence_dir(s.get("PATROL_STORE") or "", s.get("PATROL_EVIDENCE_DIR") or "",
                                        s.get("PATROL_DATA_DIR") or ""))
        self.blobs.check_writable()
        self.environment = {"python": platform.python_version(), "scrapy": scrapy.__version__,
                            "system": platform.platform(), "host": platform.node()}

    async def start(self):
        self._open()
        self.out = self.out_path.open("a", encoding="utf-8")
        for entry in self.plan:
            req = self.make_request(entry["url"], self.parse_recheck, dont_filter=True, role="recheck")
            req.meta.update(patrol_flag_id=entry["flag_id"], handle_httpstatus_list=SEEN_STATUSES,
                            dont_cache=True)
            yield req.replace(errback=self.recheck_error)

    def closed(self, reason: str) -> None:
        if getattr(self, "out", None) is not None:
            self.out.close()

    def _write(self, line: dict) -> None:
        self.out.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.out.flush()

    def parse_recheck(self, response):
        flag_id = response.meta["patrol_flag_id"]
        self.crawler.stats.inc_value("patrol/recheck/fetched")
        fetched_at = _dt.datetime.now(_dt.timezone.utc)
        wire = self.__dict__.get("_wire_bodies", {}).pop(response.url, None)
        exchange = exchange_of(response, wire_body=wire)
        ua = self.settings.get("USER_AGENT") or ""
        record = capture(exchange, self.blobs, fetched_at=fetched_at, software=f"content-patrol/{__version__}",
                         user_agent=ua, operator=self.settings.get("PATROL_OFFICE") or "",
                         max_bytes=self.settings.getint("PATROL_MAX_PAGE_BYTES"))
        record.update(software=f"content-patrol/{__version__}", user_agent=ua,
                      operator=self.settings.get("PATROL_OFFICE") or "", environment=self.environment,
                      source=self.profile.name, profile=None)
        line: dict[str, Any] = {"flag_id": flag_id, "url": response.url, "http_status": int(response.status),
                                "fetched_at": fetched_at.isoformat(), "capture": record}
        if response.status == 200 and isinstance(response, scrapy.http.TextResponse):
            from spiders.pages import page_class
            page = page_class(self.profile.kind)(response, self.profile, role="detail",
                                                 rendered="playwright" in response.flags, screenshot=None)
            item = dict(page.to_item())
            item["title"], item["text"] = tidy(item.get("title"))[:1000], tidy(item.get("text"))
            item["content_hash"] = content_hash(item)
            result = self.model.classify(classifier_doc(item))
            line.update(title=item["title"], text=item["text"], chrome=tidy(item.get("chrome")),
                        content_hash=item["content_hash"],
                        verdicts=result.get("verdicts", {}), scores=result.get("scores", {}))
        self._write(line)
        return []

    def recheck_error(self, failure):
        request = failure.request
        self.crawler.stats.inc_value("patrol/recheck/unreachable")
        exc = failure.value
        text = str(exc).splitlines()[0][:300] if str(exc) else ""
        self._write({"flag_id": request.meta["patrol_flag_id"], "url": request.url,
                     "error": f"{type(exc).__name__}: {text}".rstrip(": ")})
        return []
