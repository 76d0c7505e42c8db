"""The flag page: hostile crawled content rendered inert, highlighted evidence,
decisions, the lead's actions, the screenshot route."""

from __future__ import annotations

import re

from tests.web.conftest import seed_flag, seed_item

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")


def test_stored_xss_in_title_text_and_evidence_is_rendered_inert(ann, seeded):
    html = ann.get(f"/flags/{seeded['shop']}").text
    # No crawled tag or attribute survives as markup ...
    for raw in ('<script>alert("title")</script>', "<script>document.title", "<img src=x onerror",
                '<a href="javascript:alert(2)">', "<svg onload", "<i>no licence</i>",
                "<b>书店</b>", "<script>alert(5)</script>", '" onmouseover="alert(3)'):
        assert raw not in html, raw
    # ... it is shown as text instead.
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;svg onload=alert(4)&gt;" in html
    assert "&lt;i&gt;no licence&lt;/i&gt; shown" in html
    # The only scripts are our own file.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/console.js" defer>']


def test_matched_terms_are_highlighted_in_title_text_and_snippet(ann, seeded):
    html = ann.get(f"/flags/{seeded['shop']}").text
    title = re.search(r'<h1 class="item-title">(.*?)</h1>', html, re.S).group(1)
    assert '<mark class="term-unlicensed_publication ' in title and ">盗版书</mark>" in title
    text = re.search(r'<div class="item-text">(.*?)</div>', html, re.S).group(1)
    assert text.startswith("本店出售<mark class=\"term-unlicensed_publication")
    assert ">盗版书</mark>籍" in text
    snippet = re.search(r'<blockquote class="snippet">(.*?)</blockquote>', html, re.S).group(1)
    assert ">盗版书</mark>籍&lt;script&gt;" in snippet


def test_flag_page_shows_rules_scores_model_history_and_source_link(ann, seeded):
    html = ann.get(f"/flags/{seeded['app']}").text
    assert "test-model-1" in html and "0.70" in html
    assert '<a href="https://apps.example/app/9" rel="noopener noreferrer"' in html
    assert "<strong>发现</strong> · classifier" in html
    assert re.search(r'<ol class="hashes"><li><code>[0-9a-f]{32}</code>', html)
    news = ann.get(f"/flags/{seeded['news']}").text
    assert "name imitates 新华社" in news
    # A javascript: address is never a link.
    assert 'href="javascript:' not in news
    assert '<span class="source-link unsafe">javascript:alert(document.domain)//news</span>' in news


def test_unknown_flag_is_404(ann, seeded):
    r = ann.get("/flags/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404 and "no flag" in r.text


def test_decide_with_default_reason_and_note(ann, seeded, store):
    assert ann.post("/next").headers["Location"] == f"/flags/{seeded['shop']}"
    r = ann.post(f"/flags/{seeded['shop']}/decide",
                 data={"decide-verdict": "confirmed", "decide-reason": "", "decide-note": " seen <b>it</b> "})
    assert r.status_code == 302
    flag = store.get_flag(seeded["shop"])
    assert flag["status"] == "confirmed"
    assert flag["decision"]["reason"] == "no_publication_licence"  # the category's default
    assert flag["decision"]["note"] == "seen <b>it</b>" and flag["decision"]["analyst"] == "ann"
    html = ann.get(f"/flags/{seeded['shop']}").text
    assert "seen &lt;b&gt;it&lt;/b&gt;" in html and "无有效许可证销售出版物" in html  # the reason in Chinese


def test_decide_with_a_reason_of_another_verdict_is_refused(ann, seeded, store):
    ann.post(f"/flags/{seeded['app']}/claim")
    r = ann.post(f"/flags/{seeded['app']}/decide",
                 data={"decide-verdict": "dismissed", "decide-reason": "explicit_content"})
    # The refusal names the reason and the verdict in the analyst's words, not their codes.
    flash = r.text.split('class="flash flash-error"', 1)[1].split("</p>", 1)[0]
    assert r.status_code == 400 and "理由" in flash and "“含低俗色情内容”不能作为“排除”的理由" in flash
    assert "explicit_content" not in flash and "dismissed" not in flash
    assert store.get_flag(seeded["app"])["status"] == "in_review"
    r = ann.post(f"/flags/{seeded['app']}/decide", data={"decide-verdict": "deleted"})
    assert r.status_code == 400 and "处置结论" in r.text


def test_a_flag_held_by_another_analyst_cannot_be_decided_or_claimed(ann, bob, seeded, store):
    assert bob.post(f"/flags/{seeded['app']}/claim").status_code == 302
    page = ann.get(f"/flags/{seeded['app']}").text
    assert "该线索由 bob 认领" in page and 'id="decision-form"' not in page
    r = ann.post(f"/flags/{seeded['app']}/decide", data={"decide-verdict": "dismissed"})
    assert r.status_code == 409
    assert ann.post(f"/flags/{seeded['app']}/claim").status_code == 409
    assert ann.post(f"/flags/{seeded['app']}/release").status_code == 409
    assert store.get_flag(seeded["app"])["claim"]["analyst"] == "bob"


def test_release_puts_the_flag_back(ann, seeded, store):
    ann.post(f"/flags/{seeded['news']}/claim")
    assert ann.post(f"/flags/{seeded['news']}/release").status_code == 302
    flag = store.get_flag(seeded["news"])
    assert flag["status"] == "pending" and flag["claim"] is None


def test_lead_reopens_and_reassigns(lee, ann, seeded, store):
    store.decide(seeded["app"], "ann", "dismissed", "false_positive_term")
    page = lee.get(f"/flags/{seeded['app']}").text
    assert "重新打开" in page
    r = lee.post(f"/flags/{seeded['app']}/reopen", data={"reopen-note": "look again"})
    assert r.status_code == 302
    flag = store.get_flag(seeded["app"])
    assert flag["status"] == "pending" and flag["history"][-1]["action"] == "reopened"
    r = lee.post(f"/flags/{seeded['app']}/reassign", data={"reassign-analyst": "bob"})
    assert r.status_code == 302
    assert store.get_flag(seeded["app"])["claim"]["analyst"] == "bob"
    r = lee.post(f"/flags/{seeded['app']}/reassign", data={"reassign-analyst": "mallory"})
    assert r.status_code == 400 and "审核员" in r.text


def test_screenshot_served_only_from_the_screenshots_directory(app, ann, store, tmp_path):
    shots = tmp_path / "data" / "screenshots"
    shots.mkdir(parents=True)
    (shots / "page.png").write_bytes(PNG)
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    (shots / "link.png").symlink_to(outside)
    cases = {"good": str(shots / "page.png"), "relative": "page.png", "outside": str(outside),
             "dotdot": str(shots / ".." / ".." / "secret.png"), "symlink": str(shots / "link.png"),
             "missing": str(shots / "gone.png")}
    ids = {}
    for name, path in cases.items():
        item = seed_item(store, url=f"https://shot.example/{name}", kind="page", source="s",
                         title=name, text="text", screenshot=path)
        ids[name] = seed_flag(store, item, "vulgar", 0.3)
    for name in ("good", "relative"):
        r = ann.get(f"/flags/{ids[name]}/screenshot.png")
        assert r.status_code == 200 and r.data == PNG and r.mimetype == "image/png", name
        assert f'src="/flags/{ids[name]}/screenshot.png"' in ann.get(f"/flags/{ids[name]}").text
    for name in ("outside", "dotdot", "symlink", "missing"):
        assert ann.get(f"/flags/{ids[name]}/screenshot.png").status_code == 404, name
        assert "screenshot.png" not in ann.get(f"/flags/{ids[name]}").text
