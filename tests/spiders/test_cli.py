"""``patrol sources list|check``, ``patrol crawl`` and ``patrol demo`` as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.spiders.test_crawl_shop import SHOP, spec as shop_spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def patrol(*args, env=None, timeout=600):
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def patrol_env(tmp_path):
    return {"PATROL_DATA_DIR": str(tmp_path / "data"), "PATROL_STORE": f"sqlite:///{tmp_path}/p.db",
            "PATROL_CLASSIFY": "0", "PATROL_SOURCES": str(tmp_path / "sources"),
            "PATROL_CONFIG": str(tmp_path / "none.toml")}


def test_sources_list_and_check(local_site, tmp_path, patrol_env):
    spec = shop_spec()
    # A hostile page tries to clear the operator's terminal.
    spec["/"]["body"] = spec["/"]["body"].replace("书香小铺</h1>", "书香小铺\x1b[2J</h1>")
    site = local_site(spec)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "test_shop.yaml").write_text(SHOP, encoding="utf-8")
    (tmp_path / "sources" / "broken.yaml").write_text(SHOP.replace("kind: shop", "kind: blog"), encoding="utf-8")
    env = dict(patrol_env, SITE_URL=site.url)
    listed = patrol("sources", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "test_shop" in listed.stdout and "shop" in listed.stdout
    assert "broken" in listed.stdout and "field 'kind'" in listed.stdout
    checked = patrol("sources", "check", str(tmp_path / "sources" / "test_shop.yaml"), env=env)
    assert checked.returncode == 0, checked.stderr
    out = checked.stdout
    assert "valid (shop" in out
    assert "links.detail" in out and "/p/1.html" in out
    assert "*shop_name" in out and "书香小铺" in out
    assert "高中数学教辅全套" in out
    assert "\x1b" not in out
    bad = patrol("sources", "check", str(tmp_path / "sources" / "broken.yaml"), env=env)
    assert bad.returncode == 2 and "field 'kind'" in bad.stderr and "Traceback" not in bad.stderr


def test_crawl_stores_items_and_fails_when_the_browser_cannot_start(local_site, tmp_path, patrol_env):
    site = local_site(shop_spec())
    profile = tmp_path / "shop.yaml"
    profile.write_text(SHOP, encoding="utf-8")
    env = dict(patrol_env, SITE_URL=site.url)
    ok = patrol("crawl", str(profile), env=env)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "test_shop" in ok.stdout and "outcome" in ok.stdout
    check = patrol("store", "check", "--json", env=env)
    assert json.loads(check.stdout)["items_by_kind"]["shop"] >= 5
    browser = tmp_path / "browser.yaml"
    browser.write_text(SHOP.replace("name: test_shop", "name: test_browser") + "render: browser\n",
                       encoding="utf-8")
    failed = patrol("crawl", str(browser), env=dict(env, PATROL_CHROMIUM="/nonexistent/chromium"))
    assert failed.returncode == 1, failed.stdout
    assert "failed" in failed.stdout


@pytest.mark.browser
def test_demo_fills_the_store_with_every_kind(patrol_env):
    env = dict(patrol_env)
    env.pop("PATROL_SOURCES")
    env.pop("PATROL_CLASSIFY")  # the demo as a user runs it: flags, and the cases they link
    run = patrol("demo", env=env, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    for name in ("appstore", "bookshop", "ziliaopu", "chengnan-daily", "fake-news", "shuwu",
                 "fazhi-guancha"):
        assert name in run.stdout
    assert "spanning two or more sites" in run.stdout and "shuwu, ziliaopu" in run.stdout
    summary = json.loads(patrol("store", "check", "--json", env=env).stdout)
    kinds = summary["items_by_kind"]
    assert kinds["app"] >= 22 and kinds["shop"] >= 20 and kinds["news"] >= 15
    assert summary["runs"] == 7


@pytest.mark.browser
def test_sources_check_renders_a_browser_profile(local_site, tmp_path, patrol_env):
    from tests.spiders.test_crawl_app import PROFILE, spec as app_spec
    site = local_site(app_spec())
    profile = tmp_path / "apps.yaml"
    profile.write_text(PROFILE.replace("RENDER", "browser").replace('wait_for: "h1"', 'wait_for: "#app-info"'),
                       encoding="utf-8")
    checked = patrol("sources", "check", str(profile), "--url", site.url + "/app/com.game.run.html",
                     env=dict(patrol_env, SITE_URL=site.url))
    assert checked.returncode == 0, checked.stderr
    assert "rendering in Chromium" in checked.stdout
    assert "*developer" in checked.stdout and "星火游戏工作室" in checked.stdout   # built by JavaScript
    assert "350000" in checked.stdout
