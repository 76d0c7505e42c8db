"""Profiles refuse what YAML would accept silently (issue 12, part 4): a key
given twice and an alias bomb, each with the file and line."""

from __future__ import annotations

import pytest

from spiders.profiles import ProfileError, load_profile, profile_paths

BASE = 'name: t\nkind: news\nstart_urls: ["http://a.example/"]\n'


def write(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_duplicate_key_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, BASE + "fields:\n  title: h1\n  text: article\n  title: h2\n")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert str(err.value) == f"{path}: line 7: duplicate key 'title' (first at line 5)"
    with pytest.raises(ProfileError, match=r"line 4: duplicate key 'kind'"):
        load_profile(write(tmp_path, BASE + "kind: shop\n"))


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    rows = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    rows += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 8)]
    path = write(tmp_path, BASE + "\n".join(rows) + "\ndescription: *a7\n")
    with pytest.raises(ProfileError, match=r"t\.yaml: line \d+: aliases expand to more than"):
        load_profile(path)


def test_ordinary_anchors_and_the_bundled_profiles_still_load(tmp_path, monkeypatch):
    from patrol.demo.sites import ENV_VARS
    for var in ENV_VARS.values():  # every demo site's, also of sites added later
        monkeypatch.setenv(var, "http://127.0.0.1:1/")
    text = BASE + 'links:\n  detail: &d ["#list"]\n  listing: *d\n'
    assert load_profile(write(tmp_path, text)).links["listing"] == ("#list",)
    assert all(load_profile(p).name for p in profile_paths())
