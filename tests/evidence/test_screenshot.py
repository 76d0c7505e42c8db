"""The screenshot of a flagged page rendered in real Chromium shows Chinese
glyphs, not empty boxes (tofu): a crawl of a local page that puts six distinct
characters in fixed 48-pixel cells; with a CJK font each cell is inked and the
cells differ from each other, while missing-glyph boxes would all be the same
picture. The screenshot travels in the evidence package."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from PIL import Image, ImageChops

from patrol.evidence import chain
from patrol.evidence.blobs import Blobs, evidence_dir
from patrol.store import open_store
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import profile_crawl

ROOT = Path(__file__).resolve().parents[2]
GOODS = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_text(encoding="utf-8")
GLYPHS = "资料网盘盗版"
CELL, TOP, LEFT = 48, 8, 8
STRIP = (f'<div id="glyphs" style="position:absolute;top:{TOP}px;left:{LEFT}px;font-size:{CELL}px;'
         f'line-height:{CELL}px;letter-spacing:0;white-space:nowrap;background:#fff;color:#000;'
         f'font-family:sans-serif">{GLYPHS}</div>')


def _cells(png: bytes) -> list[Image.Image]:
    img = Image.open(io.BytesIO(png)).convert("L")
    return [img.crop((LEFT + i * CELL, TOP, LEFT + (i + 1) * CELL, TOP + CELL)) for i in range(len(GLYPHS))]


def _ink(cell: Image.Image) -> int:
    return sum(1 for p in cell.tobytes() if p < 128)


def _differ(a: Image.Image, b: Image.Image) -> int:
    return sum(1 for p in ImageChops.difference(a, b).tobytes() if p > 64)


def test_screenshot_shows_chinese_glyphs_and_travels_in_the_package(tmp_path):
    page = GOODS.replace("<body>", "<body style=\"margin:0\">" + STRIP, 1)
    site = MutableSite({"/": (200, '<html><body><a href="/g.html">g</a></body></html>'), "/g.html": (200, page)})
    store_url = f"sqlite:///{tmp_path / 'patrol.db'}"
    try:
        text = profile_yaml(site).replace("kind: shop\n", "kind: shop\nrender: browser\n")
        proc, stats = profile_crawl(text, tmp_path=tmp_path, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-3000:]
    finally:
        site.close()
    with open_store(store_url) as store:
        flags, total = store.list_flags(limit=10)
        flag = next(f for f in flags if f["url"].endswith("/g.html"))
        (entry,) = [e for e in chain.entries(store, flag["id"]) if e["kind"] == "capture"]
    cap = entry["data"]
    assert cap["rendered"] and cap["screenshot"], cap
    png = Blobs(evidence_dir(store_url)).get(cap["screenshot"]["sha256"])
    assert png.startswith(b"\x89PNG")
    cells = _cells(png)
    inks = [_ink(c) for c in cells]
    assert all(n > 40 for n in inks), inks  # every cell holds a drawn glyph
    diffs = [_differ(a, b) for a, b in itertools.combinations(cells, 2)]
    # Tofu boxes are one picture repeated (difference ~0); real glyphs differ a lot.
    assert min(diffs) > 60, diffs
    # The rendered DOM is kept beside it.
    dom = Blobs(evidence_dir(store_url)).get(cap["dom"]["sha256"]).decode("utf-8")
    assert GLYPHS in dom
    # The export carries evidence/screenshot.png, named in the manifest.
    with open_store(store_url) as store:
        store.decide(flag["id"], "lead1", "confirmed", "no_publication_licence")
    env = {**os.environ, "PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp_path / "data"),
           "PATROL_CONFIG": str(tmp_path / "none.toml"), "PATROL_TSA_URL": ""}
    for args in (["evidence", "keygen"], ["evidence", "export", flag["id"], "-o", str(tmp_path / "r.wacz")],
                 ["evidence", "verify", str(tmp_path / "r.wacz")]):
        done = subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(tmp_path / "r.wacz") as z:
        m = json.loads(z.read("evidence/manifest.json"))
        shot = z.read("evidence/screenshot.png")
        assert "evidence/dom.html" in z.namelist()
    assert m["screenshot"] and m["access"]["rendered_in_browser"] is True
    assert min(_differ(a, b) for a, b in itertools.combinations(_cells(shot), 2)) > 60
