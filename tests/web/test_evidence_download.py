"""The flag page's evidence package (issue 14): a real crawl of a local site
into the console's store, a lead confirms over HTTP, lead and analyst download
the WACZ, and ``patrol.evidence.verify`` passes on it and fails on a tampered
copy. Both stores."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patrol.evidence import office, signing
from patrol.evidence.verify import verify
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import profile_crawl
from tests.web.conftest import User

ROOT = Path(__file__).resolve().parents[2]
GOODS = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_text(encoding="utf-8")


@pytest.fixture
def crawled(app, store, store_url, accounts, tmp_path):
    site = MutableSite({"/": (200, '<html><body><a href="/g.html">g</a></body></html>'),
                        "/g.html": (200, GOODS)})
    try:
        proc, stats = profile_crawl(profile_yaml(site), tmp_path=tmp_path, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
    finally:
        site.close()
    (flag,), _ = store.list_flags(limit=5)
    return flag["id"]


def test_lead_and_analyst_download_a_package_that_verifies(app, store, crawled, tmp_path):
    signing.keygen(office.key_file())
    lee, ann = User(app, "lee"), User(app, "ann")
    page = lee.get(f"/flags/{crawled}").text
    assert 'id="download-evidence"' not in page  # not before a decision
    assert 'data-kind="capture"' in page
    r = lee.post(f"/flags/{crawled}/decide", data={"decide-verdict": "confirmed", "decide-reason": "",
                                                    "decide-note": "报告给平台"})
    assert r.status_code == 302
    page = lee.get(f"/flags/{crawled}").text
    assert 'data-kind="decision"' in page  # the decision joined the chain when it was made
    href = re.search(r'id="download-evidence" href="([^"]+)"', page).group(1)
    for user in (lee, ann):
        r = user.get(href)
        assert r.status_code == 200 and r.mimetype == "application/wacz+zip"
        assert f"case-{crawled}.wacz" in r.headers["Content-Disposition"]
        pkg = tmp_path / f"{user.name}.wacz"
        pkg.write_bytes(r.data)
        report = verify(pkg)
        assert report.ok, [(c.name, c.detail) for c in report.failed()]
    # A tampered copy fails, naming the file.
    import zipfile
    with zipfile.ZipFile(pkg) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["evidence/chain.jsonl"] = files["evidence/chain.jsonl"].replace(b"confirmed", b"dismissed")
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    report = verify(bad)
    assert not report.ok and "evidence/chain.jsonl" in {c.name for c in report.failed()}
    # Exporting twice did not record the decision twice.
    assert [e["kind"] for e in store.list_evidence(crawled)].count("decision") == 1


def test_download_needs_an_account_and_a_key(app, store, crawled):
    anonymous = app.test_client()
    r = anonymous.get(f"/flags/{crawled}/evidence.wacz")
    assert r.status_code in (302, 401) and not r.data.startswith(b"PK")
    lee = User(app, "lee")
    store.decide(crawled, "lee", "confirmed", "no_publication_licence")
    r = lee.get(f"/flags/{crawled}/evidence.wacz")  # no office key made yet
    assert r.status_code == 409 and "patrol evidence keygen" in r.text
    assert lee.get("/flags/0123456789abcdef0123456789abcdef/evidence.wacz").status_code == 404


def test_takedown_from_the_flag_page_history_and_queue_filter(app, store, seeded):
    from tests.web.conftest import User as _User
    ann = _User(app, "ann")
    shop = seeded["shop"]
    r = ann.post(f"/flags/{shop}/takedown", data={"takedown-to": "平台", "takedown-date": "2026-01-05"})
    assert r.status_code == 409 and "confirmed" in r.text  # still pending
    store.decide(shop, "ann", "confirmed", "no_publication_licence")
    assert 'id="takedown-form"' in ann.get(f"/flags/{shop}").text
    r = ann.post(f"/flags/{shop}/takedown", data={"takedown-to": "<b>某平台</b>", "takedown-date": "2026-01-05",
                                                   "takedown-note": "工单 42"})
    assert r.status_code == 302
    flag = store.get_flag(shop)
    assert flag["recheck"]["status"] == "pending" and flag["recheck"]["takedown"]["by"] == "ann"
    assert flag["recheck"]["takedown"]["date"] == "2026-01-05"
    assert flag["recheck"]["due"][0].startswith("2026-01-11T16:00")  # 7 days after midnight Asia/Shanghai
    page = ann.get(f"/flags/{shop}").text
    assert "&lt;b&gt;某平台&lt;/b&gt;" in page and "<b>某平台</b>" not in page
    assert 'id="takedown-form"' not in page and 'data-kind="takedown"' in page
    assert "尚未复查" in page
    # A recorded re-check shows in the history, escaped; the queue filters by it.
    store.record_recheck(shop, "still_online", "passage 「<script>alert(1)</script>」 still there",
                         http_status=200)
    page = ann.get(f"/flags/{shop}").text
    assert 'data-outcome="still_online"' in page and "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    queue = ann.get("/?recheck=still_online").text
    assert f"/flags/{shop}" in queue and f"/flags/{seeded['app']}" not in queue
    assert f"/flags/{shop}" not in ann.get("/?recheck=removed").text
    assert ann.get("/?recheck=bogus").status_code == 400
