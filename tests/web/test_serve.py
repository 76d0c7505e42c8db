"""``patrol serve`` and ``patrol users`` for real: a subprocess, a real socket."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import requests
from click.testing import CliRunner

from patrol.cli import cli
from patrol.store import open_store
from tests.web.conftest import csrf_of, seed_flag, seed_item


def env_for(store_url: str, tmp_path) -> dict:
    env = dict(os.environ, PATROL_STORE=store_url, PATROL_DATA_DIR=str(tmp_path / "data"),
               PATROL_CONFIG=str(tmp_path / "none.toml"), PYTHONUNBUFFERED="1")
    env.pop("PATROL_WEB_SECRET", None)
    return env


def test_users_add_and_list_commands(store_url, tmp_path):
    runner = CliRunner()
    env = env_for(store_url, tmp_path)
    r = runner.invoke(cli, ["users", "list"], env=env)
    assert r.exit_code == 0 and "patrol users add NAME --role lead" in r.output
    r = runner.invoke(cli, ["users", "add", "lee", "--role", "lead", "--password-stdin"],
                      input="lee-password\n", env=env)
    assert r.exit_code == 0 and "created lee (lead)" in r.output
    r = runner.invoke(cli, ["users", "add", "ann"], input="ann-password\nann-password\n", env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "add", "ann", "--password-stdin"], input="again-password\n", env=env)
    assert r.exit_code == 2 and "already exists" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["users", "add", "zed", "--password-stdin"], input="short\n", env=env)
    assert r.exit_code == 2 and "password: must be at least 10 characters" in r.output
    r = runner.invoke(cli, ["users", "list"], env=env)
    assert re.search(r"^ann\s+analyst", r.output, re.M) and re.search(r"^lee\s+lead", r.output, re.M)
    r = runner.invoke(cli, ["users", "passwd", "ghost", "--password-stdin"], input="long-enough\n", env=env)
    assert r.exit_code == 2 and "no user 'ghost'" in r.output


def test_serve_over_a_real_socket(store_url, tmp_path):
    env = env_for(store_url, tmp_path)
    with open_store(store_url) as store:
        item = seed_item(store, url="https://s.example/1", kind="page", source="s",
                         title="<script>alert(1)</script>", text="深夜福利")
        flag_id = seed_flag(store, item, "vulgar", 0.8)
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "patrol", "serve", "--host", "127.0.0.1", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        first = proc.stdout.readline()
        m = re.search(r"Review console: (http://127\.0\.0\.1:\d+/)", first)
        assert m, first + (tmp_path / "serve.log").read_text()
        assert "patrol users add NAME --role lead" in proc.stdout.readline()
        base = m.group(1)
        assert "patrol users add NAME --role lead" in requests.get(base + "login", timeout=30).text
        runner = CliRunner()
        r = runner.invoke(cli, ["users", "add", "ann", "--password-stdin"], input="ann-password\n", env=env)
        assert r.exit_code == 0, r.output
        s = requests.Session()
        page = s.get(base + "login", timeout=30)
        r = s.post(base + "login", data={"username": "ann", "password": "ann-password",
                                         "csrf_token": csrf_of(page.text)}, timeout=30)
        assert r.status_code == 200 and r.url == base
        assert r.headers["Server"] == "patrol-console"
        r = s.post(base + "next", data={"csrf_token": csrf_of(r.text)}, timeout=30)
        assert r.url == f"{base}flags/{flag_id}"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
        assert s.post(base + "next", data={}, timeout=30).status_code == 400  # no token
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_serve_reports_bad_settings_in_one_line(store_url, tmp_path):
    runner = CliRunner()
    env = dict(env_for(store_url, tmp_path), PATROL_TIMEZONE="Mars/Olympus")
    r = runner.invoke(cli, ["serve", "--port", "0"], env=env)
    assert r.exit_code == 2 and r.output.strip() == "patrol: error: PATROL_TIMEZONE: unknown time zone 'Mars/Olympus'"
    env = dict(env_for(store_url, tmp_path), PATROL_STORE="postgres://x/y")
    r = runner.invoke(cli, ["serve", "--port", "0"], env=env)
    assert r.exit_code == 2 and "unknown store URL scheme 'postgres'" in r.output
    assert "Traceback" not in r.output
