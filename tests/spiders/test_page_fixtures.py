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
    for name, value in expected["fields"].items():
        assert item[name] == value, f"{case.parent.name}/{case.name}: field {name}"
    for snippet in expected["text_contains"]:
        assert snippet in item["text"], f"{case.parent.name}/{case.name}: text lacks {snippet!r}"
    # the page's chrome (navigation, footers, sidebars) is kept apart, never in the main text
    for snippet in expected.get("chrome_contains", []):
        assert snippet in item["chrome"], f"{case.parent.name}/{case.name}: chrome lacks {snippet!r}"
        assert snippet not in item["text"], f"{case.parent.name}/{case.name}: chrome {snippet!r} in text"
    for name, value in expected.get("raw", {}).items():
        assert item["raw"].get(name) == value, f"{case.parent.name}/{case.name}: raw {name}"
    for name, value in expected.get("site", {}).items():
        assert item["site"].get(name) == value, f"{case.parent.name}/{case.name}: site {name}"
    assert item["source"] == case.parent.name and item["url"] == expected["url"]
