"""Profile validation: every error names the file and the field."""

from __future__ import annotations

import pytest

from spiders.profiles import ProfileError, find_profile, load_profile

GOOD = """
name: good
kind: app
start_urls: ["${SITE_URL}/apps/"]
links: {detail: ".app-list", next: "xpath://a[@rel='next']"}
fields:
  name: "h1::text"
  downloads: "xpath://span[@class='dl']/text()"
politeness: {delay: 1.5, concurrency: 1}
render: browser
browser: {wait_for: "#js-section", screenshot: true}
"""


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_profile_loads_with_env_and_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8123")
    prof = load_profile(write(tmp_path, GOOD))
    assert prof.start_urls == ("http://127.0.0.1:8123/apps/",)
    assert prof.allowed_domains == ("127.0.0.1",)
    assert prof.links["next"] == ("xpath://a[@rel='next']",)
    assert (prof.delay, prof.concurrency, prof.render) == (1.5, 1, "browser")
    assert prof.schedule == "0 2 * * *" and prof.enabled is True
    assert prof.wait_for == "#js-section" and prof.screenshot is True
    assert prof.store == "good"


@pytest.mark.parametrize("edit, field, words", [
    (("h1::text", "123"), "fields.name", "invalid CSS selector"),
    (("downloads: \"xpath://span[@class='dl']/text()\"", "downloads: 12"), "fields.downloads",
     "expected a CSS or XPath selector string"),
    (("downloads: \"xpath://span[@class='dl']/text()\"", "downloads: \"xpath://span[\""), "fields.downloads",
     "invalid XPath selector"),
    (("downloads:", "donwloads:"), "fields.donwloads", "unknown field for kind app"),
    (("kind: app", "kind: forum"), "kind", "expected one of app, shop, news"),
    (("render: browser", "render: chrome"), "render", "expected http or browser"),
    (("delay: 1.5", "delay: -1"), "politeness.delay", "expected a number"),
    (("${SITE_URL}", "${NOT_SET_ANYWHERE_X}"), "start_urls[0]", "NOT_SET_ANYWHERE_X is not set"),
    (("links: {", "links: {listings: a, "), "links.listings", "unknown link role"),
    (("name: good", "name: good\nschedule: every night"), "schedule", "cron"),
    (("name: good", "name: good\nallowed_domains: [\"http://x.org:80\"]"), "allowed_domains[0]", "host name"),
    (("kind: app", "kind: app\nlinks_typo: {}"), "links_typo", "unknown field"),
])
def test_bad_field_is_named(tmp_path, monkeypatch, edit, field, words):
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8123")
    monkeypatch.delenv("NOT_SET_ANYWHERE_X", raising=False)
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: field '{field}': "), msg
    assert words in msg, msg
    assert "\n" not in msg


def test_broken_yaml_and_missing_file(tmp_path):
    path = write(tmp_path, "name: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(path)
    with pytest.raises(ProfileError, match="cannot read profile"):
        load_profile(tmp_path / "none.yaml")


def test_find_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8123")
    write(tmp_path, GOOD, "whatever.yaml")
    assert find_profile("good", tmp_path).name == "good"
    with pytest.raises(ProfileError, match="no source profile named 'nope'"):
        find_profile("nope", tmp_path)
