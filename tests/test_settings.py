"""Every PATROL_* setting is registered once and documented in docs/settings.md."""

import re
from pathlib import Path

import pytest

from patrol import config

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"^\| `(PATROL_[A-Z0-9_]+)` \|", DOC, flags=re.M))


def test_every_registered_setting_is_documented():
    missing = sorted(set(config.SETTINGS) - DOCUMENTED)
    assert not missing, f"settings missing from docs/settings.md: {missing}"


def test_docs_name_only_real_settings():
    stale = sorted(DOCUMENTED - set(config.SETTINGS))
    assert not stale, f"docs/settings.md documents unknown settings: {stale}"


def test_every_setting_used_in_code_is_registered():
    used = set()
    for package in ("patrol", "spiders", "pipelines", "classifiers"):
        for path in (ROOT / package).rglob("*.py"):
            used |= set(re.findall(r"\bPATROL_[A-Z][A-Z0-9_]*\b", path.read_text(encoding="utf-8")))
    unregistered = sorted(n for n in used - set(config.SETTINGS) if not n.startswith("PATROL_DEMO"))
    assert not unregistered, f"PATROL_* names used in code but not registered: {unregistered}"


def test_every_setting_has_a_doc_line_and_default():
    for name, setting in config.SETTINGS.items():
        assert setting.doc.strip(), name
        config.get(name)  # the default is computable


def test_environment_overrides_config_file(tmp_path, monkeypatch):
    cfg = tmp_path / "patrol.toml"
    cfg.write_text('[patrol]\nstore = "sqlite:///from-file.db"\ntimezone = "Asia/Urumqi"\n', encoding="utf-8")
    monkeypatch.setenv("PATROL_CONFIG", str(cfg))
    monkeypatch.delenv("PATROL_STORE", raising=False)
    monkeypatch.delenv("PATROL_TIMEZONE", raising=False)
    assert config.get("PATROL_STORE") == "sqlite:///from-file.db"
    monkeypatch.setenv("PATROL_STORE", "sqlite:///from-env.db")
    assert config.get("PATROL_STORE") == "sqlite:///from-env.db"
    assert config.get("PATROL_TIMEZONE") == "Asia/Urumqi"


def test_bad_config_file_names_the_key(tmp_path, monkeypatch):
    cfg = tmp_path / "patrol.toml"
    cfg.write_text('[patrol]\nstroe = "x"\n', encoding="utf-8")
    monkeypatch.setenv("PATROL_CONFIG", str(cfg))
    with pytest.raises(config.ConfigError, match="patrol.stroe"):
        config.get("PATROL_STORE")


def test_bad_typed_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("PATROL_STORE_BATCH", "many")
    with pytest.raises(config.ConfigError, match="PATROL_STORE_BATCH"):
        config.get("PATROL_STORE_BATCH")
