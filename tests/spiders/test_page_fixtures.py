"""Extraction on saved pages, offline: ``tests/fixtures/pages/<profile>/<case>/``
holds ``page.html`` (the bytes as served) and ``expected.json`` (url, role,
Content-Type, the expected fields and snippets of the main text). To fix a
site, correct ``expected.json`` first and watch this fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from spiders.pages import page_class
from spiders.profiles import find_profile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "pages"
BUNDLED = ROOT.parent / "patrol" / "sources"
# Generic profiles (no selectors) for fixtures of templates unlike the demo's
GENERIC = ROOT / "fixtures" / "profiles"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/expected.json"))
# Values generic extraction is known to get wrong on the held-out-style fixtures
# (tests/fixtures/pages/unseen-*, measured before any fix: benchmarks/extract/):
# {"profile/case": ["field" | "site.key" | "body"]}. A listed value must still be
# wrong (strict): when a fix makes it right, take it off the list.
KNOWN_GAPS = json.loads((FIXTURES / "known-gaps.json").read_text(encoding="utf-8"))
DEMO_VARS = ("DEMO_APPSTORE_URL", "DEMO_BOOKSHOP_URL", "DEMO_ZILIAOPU_URL",
             "DEMO_CHENGNAN_DAILY_URL", "DEMO_FAKE_NEWS_URL", "DEMO_SHUWU_URL", "DEMO_FAZHI_GUANCHA_URL")


def build_item(profile_name: str, page: Path, expected: dict) -> dict:
    generic = GENERIC / f"{profile_name}.yaml"
    profile = find_profile(str(generic)) if generic.exists() else find_profile(profile_name, BUNDLED)
    role = expected["role"]
    response = HtmlResponse(url=expected["url"], body=page.read_bytes(),
                            headers={"Content-Type": expected["content_type"]},
                            request=Request(expected["url"], meta={"patrol_role": role}))
    kind = profile.kind if role in ("detail", "about") or profile.kind == "shop" else "page"
    return page_class(kind)(response, profile, role=role).to_item()


def test_every_bundled_profile_has_fixtures():
    assert {p.stem for p in BUNDLED.glob("*.yaml")} <= {c.parent.name for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_extraction(case: Path, monkeypatch):
    for var in DEMO_VARS:
        monkeypatch.setenv(var, "http://127.0.0.1:8000/")
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    item = build_item(case.parent.name, case / "page.html", expected)
    gaps = set(KNOWN_GAPS.get(f"{case.parent.name}/{case.name}", []))
    where = f"{case.parent.name}/{case.name}"
    wrong: set[str] = set()

    def check(name: str, ok: bool, message: str) -> None:
        if not ok:
            wrong.add(name)
            assert name in gaps, message

    for name, value in expected["fields"].items():
        check(name, item[name] == value, f"{where}: field {name}: {item[name]!r} != {value!r}")
    body_ok = all(s in item["text"] for s in expected["text_contains"])
    # the page's chrome (navigation, footers, sidebars) is kept apart, never in the main text
    for snippet in expected.get("chrome_contains", []):
        body_ok = body_ok and snippet in item["chrome"] and snippet not in item["text"]
    check("body", body_ok, f"{where}: text lacks a snippet, or chrome is in it: {item['text'][:300]!r}")
    for name, value in expected.get("raw", {}).items():
        assert item["raw"].get(name) == value, f"{where}: raw {name}"
    for name, value in expected.get("site", {}).items():
        got = item["site"].get(name)
        check(f"site.{name}", got == value, f"{where}: site {name}: {got!r} != {value!r}")
    assert item["source"] == case.parent.name and item["url"] == expected["url"]
    fixed = gaps - wrong
    assert not fixed, f"{where}: now right, take off tests/fixtures/pages/known-gaps.json: {sorted(fixed)}"
