"""Issue 13, set-up and CLI items, as a new user runs them: real subprocesses
of ``patrol`` and ``scrapy``, a real store, the real demo sites."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from wcwidth import wcswidth

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEMO_", "PATROL_"))}
    env.update(PATROL_DATA_DIR=str(tmp_path / "data"), PATROL_STORE=f"sqlite:///{tmp_path}/p.db",
               PATROL_CONFIG=str(tmp_path / "none.toml"), PATROL_LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def patrol(*args, env, timeout=300):
    return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_scrapy_crawl_profile_without_source_fails_first_with_one_line(tmp_path):
    for extra in ([], ["-a", "source=no-such-site"]):
        r = subprocess.run([str(BIN / "scrapy"), "crawl", "profile", *extra], cwd=ROOT, env=_env(tmp_path),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert ("-a source=" in lines[0]) if not extra else ("no-such-site" in lines[0])
        assert "Traceback" not in r.stderr and "Scrapy" not in r.stderr


def test_schedule_list_exits_non_zero_when_no_profile_is_usable(tmp_path):
    r = patrol("schedule", "list", env=_env(tmp_path))  # the bundled profiles, no DEMO_*_URL set
    assert r.returncode == 1, r.stdout + r.stderr
    assert "no usable source profile" in r.stderr and "DEMO_APPSTORE_URL is not set" in r.stderr
    assert patrol("schedule", "list", "--json", env=_env(tmp_path)).returncode == 1


def test_demo_sites_only_prints_export_lines_that_make_the_profiles_usable(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "patrol", "demo", "--sites-only"], cwd=ROOT,
                            env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        exports = {}
        while "PATROL_OUTLET_REGISTRY" not in exports:
            line = lines.get(timeout=120)
            assert line.startswith("export "), line
            name, _, value = line[len("export "):].strip().partition("=")
            exports[name] = value.strip("'")
        assert set(exports) >= {"DEMO_APPSTORE_URL", "DEMO_BOOKSHOP_URL", "DEMO_ZILIAOPU_URL",
                                "DEMO_CHENGNAN_DAILY_URL", "DEMO_FAKE_NEWS_URL", "PATROL_OUTLET_REGISTRY"}
        assert "城南日报" in Path(exports["PATROL_OUTLET_REGISTRY"]).read_text(encoding="utf-8")
        env = _env(tmp_path, **exports)
        listed = patrol("sources", "list", env=env)
        assert listed.returncode == 0 and "INVALID" not in listed.stdout, listed.stdout + listed.stderr
        scheduled = patrol("schedule", "list", env=env)
        assert scheduled.returncode == 0, scheduled.stderr
        assert scheduled.stdout.count("never run") == len(list((ROOT / "patrol" / "sources").glob("*.yaml")))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_demo_summary_aligns_chinese_names_names_the_venv_command_and_cuts_reasons_at_words(tmp_path,
                                                                                            monkeypatch):
    from patrol.cli.crawl_cmds import demo_report
    from patrol.store import open_store
    url = f"sqlite:///{tmp_path}/p.db"
    with open_store(url) as store:
        for n, (name, category) in enumerate([("宝宝拼音乐园学习机", "教育"), ("Kids Maths", "education"),
                                              ("夜读漫画", "漫画")]):
            store.upsert_app({"store": "demo", "app_id": f"a{n}", "name": name, "category": category,
                              "downloads": 1234567 * (n + 1), "minor_relevant": True, "minor_score": 0.9 - n / 10,
                              "url": f"https://apps.example/{n}",
                              "minor_reasons": ["category 教育 is for children", "age rating 3+",
                                                "description mentions 小学生 and 幼儿园 many times over"]})
    monkeypatch.chdir(ROOT.parent)  # a directory where `patrol` is not on the PATH
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    report = demo_report(url)
    lines = report.splitlines()
    table = [line for line in lines if "拼音" in line or "Kids" in line or "夜读" in line or line.startswith("app ")]
    assert len(table) == 4
    # The reasons column starts at the same terminal column whatever the script of the name.
    full = "; ".join(["category 教育 is for children", "age rating 3+",
                      "description mentions 小学生 and 幼儿园 many times over"])
    starts = set()
    for line in table:
        head, _, reason = line.rpartition("  ")
        starts.add(wcswidth(head))
        if line.startswith("app "):
            continue
        assert reason.endswith("…") and reason[:-1] == full[:len(reason) - 1], reason
        assert full[len(reason) - 1] in " ;", reason  # cut between words, not inside one
    assert len(starts) == 1, table
    venv_patrol = str((BIN / "patrol").absolute())
    assert f"more: {venv_patrol} queue stats" in report or ".venv/bin/patrol queue stats" in report
    assert "more: patrol " not in report and "| patrol " not in report


def test_packaging_metadata_uses_an_spdx_licence():
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert isinstance(meta["project"]["license"], str)  # a table is deprecated by setuptools >= 77
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in meta["build-system"]["requires"])


def test_a_crawl_logs_no_deprecation_or_disabled_extension_noise(tmp_path):
    from patrol.demo import DemoWeb
    with DemoWeb(sites=["bookshop"]) as web:
        env = _env(tmp_path, **web.env(), PATROL_CLASSIFY="0", PATROL_LOG_LEVEL="INFO")
        r = subprocess.run([str(BIN / "scrapy"), "crawl", "profile", "-a", "source=bookshop",
                            "-s", "CLOSESPIDER_PAGECOUNT=3"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Spider closed" in r.stderr
    assert "Deprecat" not in r.stderr, [line for line in r.stderr.splitlines() if "eprecat" in line]
    assert "Disabled patrol.crawlstats" not in r.stderr


def test_licensed_outlet_is_checked_and_sources_check_warns_when_unregistered(tmp_path):
    from patrol.demo import DemoWeb
    with DemoWeb(sites=["chengnan-daily", "fake-news"]) as web:
        env = _env(tmp_path, **web.env())
        ok = patrol("sources", "check", "chengnan-daily", env=env)
        assert ok.returncode == 0, ok.stderr
        assert "warning" not in ok.stderr, ok.stderr
        # The shipped registry does not list the demo's newspaper: the check says so, and what to do.
        shipped = dict(env)
        shipped.pop("PATROL_OUTLET_REGISTRY")
        warned = patrol("sources", "check", "chengnan-daily", env=shipped)
        assert warned.returncode == 0, warned.stderr
        assert "warning: the outlet '城南日报' is not in the registry" in warned.stderr
        assert "add the row '城南日报,<its domain>'" in warned.stderr
        fake = patrol("sources", "check", "fake-news", env=env)
        assert fake.returncode == 0 and "warning:" in fake.stderr, fake.stderr
    bad = tmp_path / "bad.yaml"
    profile = (ROOT / "patrol" / "sources" / "chengnan-daily.yaml").read_text(encoding="utf-8")
    bad.write_text(profile.replace('"11120180003"', '"licence pending"'), encoding="utf-8")
    r = patrol("sources", "check", str(bad), env=_env(tmp_path, DEMO_CHENGNAN_DAILY_URL="http://127.0.0.1:9/"))
    assert r.returncode == 2 and "licensed_outlet.licence" in r.stderr and "Traceback" not in r.stderr
