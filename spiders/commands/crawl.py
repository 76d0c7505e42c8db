"""``scrapy crawl``, checking the profile spider's ``-a source=`` before the
crawl starts: a missing or unusable profile is one line on stderr and exit
status 2, not an asyncio traceback from inside the crawler with the useful
sentence last."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from patrol.errors import PatrolError


class Command(ScrapyCrawl):
    def process_options(self, args, opts) -> None:
        # Checked here, before Scrapy builds its crawler process and logs its banner.
        super().process_options(args, opts)
        if args and args[0] == "profile":
            source = (opts.spargs or {}).get("source")
            try:
                if not source:
                    raise PatrolError("spider profile: give the source profile with -a source=<name or path>"
                                      " (patrol sources list shows the names)")
                from spiders.profiles import find_profile
                find_profile(source)
            except PatrolError as exc:
                print(f"scrapy crawl: error: {exc}", file=sys.stderr)
                raise SystemExit(2) from None
