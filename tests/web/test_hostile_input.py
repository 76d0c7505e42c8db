"""Hostile request input gets a 400 with a clear message, never a 500, and
changes nothing (issue 12, part 4)."""

from __future__ import annotations

import pytest


def _status(store, flag_id):
    return store.get_flag(flag_id)["status"]


def test_huge_skip_and_page_numbers_are_400(ann):
    r = ann.get("/api/flags?skip=9223372036854775808")
    assert r.status_code == 400 and "skip" in r.json["message"], r.text
    # The queue pages by cursor now (issue 17): a forged or huge one is a 400 naming it.
    r = ann.get("/?after=1e23")
    assert r.status_code == 400 and "after" in r.text
    r = ann.get("/?after=" + "9" * 3000)
    assert r.status_code == 400 and "after" in r.text
    r = ann.get("/apps?page=100000000000000000000000")
    assert r.status_code == 400 and "page" in r.text


def test_a_lone_surrogate_in_a_form_field_or_json_is_400(ann, seeded, store):
    flag = seeded["app"]
    assert ann.post(f"/flags/{flag}/claim").status_code in (200, 302)
    # What a hostile client can put on the wire: U+D800 as (invalid) UTF-8 bytes,
    # and as the JSON escape \ud800.
    form = (f"csrf_token={ann.token}&decide-verdict=confirmed&decide-reason=explicit_content"
            "&decide-note=x%ED%A0%80y")
    r = ann.client.post(f"/flags/{flag}/decide", data=form,
                        content_type="application/x-www-form-urlencoded")
    assert r.status_code in (302, 400), r.text[:500]
    if r.status_code == 302:  # decoded with U+FFFD for the bad bytes: stored as text
        assert "\ud800" not in store.get_flag(flag)["decision"]["note"]
        store.reopen(flag, "lee")
        ann.post(f"/flags/{flag}/claim")
    r = ann.api_post(f"/api/flags/{flag}/decide", json={"verdict": "confirmed",
                                                        "reason": "explicit_content",
                                                        "note": "x\ud800y"})
    assert r.status_code == 400 and "note" in r.json["message"], r.text
    assert _status(store, flag) == "in_review"


def test_json_nested_100k_deep_is_400(ann, seeded, store):
    body = "[" * 100_000 + "]" * 100_000
    r = ann.client.post("/api/next", data=body, content_type="application/json",
                        headers={"X-CSRFToken": ann.token})
    assert r.status_code == 400 and "nested" in r.json["message"], r.text[:300]
    assert all(_status(store, f) == "pending" for f in seeded.values())


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/%0d%0aLocation:%20http://evil.example"])
def test_a_next_with_a_line_break_is_400(app, accounts, target):
    from tests.web.conftest import PASSWORDS, csrf_of
    client = app.test_client()
    page = client.get("/login")
    r = client.post("/login?next=" + target.replace("\r\n", "%0d%0a"),
                    data={"username": "ann", "password": PASSWORDS["ann"],
                          "csrf_token": csrf_of(page.text)})
    assert r.status_code in (302, 400), r.status_code
    assert "\n" not in r.headers.get("Location", "") and "evil" not in r.headers.get("Location", "")
    if r.status_code == 400:
        assert "next" in r.text
