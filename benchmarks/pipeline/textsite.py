"""The crawl benchmark's generated shop (``benchmarks/crawl/site.py``) with
realistic, varied Chinese product pages, served by the real twisted.web on
127.0.0.1, port 0.

``python textsite.py PAGES [SEED]`` prints the port on its first line.

The URL layout, listing pages and robots.txt are the crawl benchmark's own
(imported, not copied), so ``benchmarks/crawl/bench.yaml`` and
``benchmarks/crawl/bare_spider.py`` crawl it unchanged. Only ``/item/N.html``
differs: instead of one repeated blurb, each detail page is drawn
deterministically from SEED and N out of

- clean texts of the classifier corpus (labels ``[]``: ordinary listings,
  news and the hard negatives that look suspicious but are not),
- real user reviews (``/work/shared/datasets/real-reviews``, when present),
- and, on about one page in 25, a flaggable corpus text (vulgar, unlicensed
  publication or fake media), so the classifier and the review queue do
  their real work.

Every page is generated once at start-up and held in memory, so serving it
costs the server next to nothing and the crawler, not the site, is measured.
Corpus text is inserted with ``html.escape``: it is data, never markup.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS_DIR = ROOT / "classifiers" / "data" / "corpus"
REVIEWS_DIR = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "real-reviews"
FLAGGED_EVERY = 25  # on average one detail page in 25 carries a flaggable text


def _crawl_site():
    """benchmarks/crawl/site.py, imported by path: its file name would shadow
    the standard library's ``site`` module on a plain import."""
    spec = importlib.util.spec_from_file_location("patrol_bench_crawl_site", HERE.parent / "crawl" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


crawl_site = _crawl_site()


def load_texts(corpus_dir: Path = CORPUS_DIR, reviews_dir: Path = REVIEWS_DIR) -> dict[str, list[str]]:
    """Text pools: ``clean`` and ``flagged`` corpus texts, ``reviews``."""
    pools: dict[str, list[str]] = {"clean": [], "flagged": [], "reviews": []}
    files = sorted(corpus_dir.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"{corpus_dir}: no corpus files (*.jsonl) to draw page text from")
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    text, labels = obj["text"], obj["labels"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise SystemExit(f"{path}:{lineno}: field 'text' or 'labels' unreadable: {exc}") from exc
                pools["flagged" if labels else "clean"].append(text)
    for path in sorted(reviews_dir.glob("*.csv")) if reviews_dir.is_dir() else []:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            pools["reviews"] += [r["review"].strip() for r in csv.DictReader(fh) if (r.get("review") or "").strip()]
    if not pools["reviews"]:  # no shared dataset here: the corpus' clean texts serve as reviews too
        pools["reviews"] = pools["clean"]
    return pools


def detail_page(i: int, seed: int, pools: dict[str, list[str]]) -> tuple[bytes, bool]:
    """Product page ``i``: (HTML bytes, whether it carries a flaggable text)."""
    rng = random.Random(seed * 1_000_003 + i)
    flagged = rng.randrange(FLAGGED_EVERY) == 0
    lead = rng.choice(pools["flagged"] if flagged else pools["clean"])
    about = [rng.choice(pools["clean"]) for _ in range(rng.randint(2, 5))]
    reviews = [rng.choice(pools["reviews"])[:300] for _ in range(rng.randint(3, 8))]
    e = html.escape
    body = (
        f"<html><head><title>图书 {i} 号 | 基准书店</title></head><body>"
        f"<h1 id='shop-name'>基准书店</h1><article><h1>图书 {i} 号</h1>"
        f"<p>ISBN 978-7-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{i % 10}</p>"
        f"<p>售价：¥{rng.randint(8, 199)}.{rng.choice(('00', '50', '80'))}</p>"
        f"<section class='desc'><p>{e(lead)}</p>" + "".join(f"<p>{e(t)}</p>" for t in about) + "</section>"
        "<section class='reviews'><h2>用户评论</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in reviews)
        + f"</ul></section></article>{crawl_site.FOOT}</body></html>")
    return body.encode("utf-8"), flagged


class TextBench(crawl_site.Bench):
    """The crawl benchmark's site with the detail pages above, pre-generated."""

    def __init__(self, pages: int, seed: int = 1):
        super().__init__(pages)
        pools = load_texts()
        self.details: dict[str, bytes] = {}
        self.flagged = 0
        for i in range(pages):
            body, flagged = detail_page(i, seed, pools)
            self.details[f"/item/{i}.html"] = body
            self.flagged += flagged

    def render_GET(self, request):
        body = self.details.get(request.path.decode("utf-8", "replace"))
        if body is None:
            return super().render_GET(request)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        return body


def main() -> None:
    from twisted.internet import reactor
    from twisted.web import server

    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    site = TextBench(pages, seed)
    port = reactor.listenTCP(0, server.Site(site), interface="127.0.0.1", backlog=256)
    # First line: the port; second: how many detail pages carry a flaggable text.
    print(port.getHost().port, flush=True)
    print(site.flagged, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
