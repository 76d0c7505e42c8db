"""The one registry of ``PATROL_*`` settings.

Every setting has a default and one line of documentation. A value is read,
in order of precedence, from the environment, from the config file
(``PATROL_CONFIG``, TOML, table ``[patrol]`` with keys in lower case without
the prefix, e.g. ``store = "mongodb://..."``) and from the default.

``docs/settings.md`` documents each setting; ``tests/test_settings.py`` fails
when one is missing there.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import platformdirs

APP_NAME = "content-patrol"


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def data_dir() -> Path:
    """The user's data directory for the embedded store, model copies, spools."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The user's cache directory (jieba cache, FerretDB build, HTTP cache)."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def _bool(value: str) -> bool:
    v = str(value).strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Callable[[], Any] | Any
    doc: str
    type: Callable[[str], Any] = str

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


def _default_store() -> str:
    return "sqlite:///" + str(data_dir() / "patrol.db")


def _default_sources() -> str:
    return str(Path(__file__).resolve().parent / "sources")


def _default_model() -> str:
    return str(Path(__file__).resolve().parent.parent / "classifiers" / "model" / "patrol-model.skops")


def _default_chromium() -> str:
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return ""  # empty: use Playwright's own browser (``playwright install chromium``)


SETTINGS: dict[str, Setting] = {}


def register(name: str, default: Any, doc: str, type: Callable[[str], Any] = str) -> Setting:
    if not name.startswith("PATROL_"):
        raise ValueError(f"setting {name} must start with PATROL_")
    s = Setting(name, default, doc, type)
    SETTINGS[name] = s
    return s


register("PATROL_CONFIG", lambda: str(Path(platformdirs.user_config_dir(APP_NAME)) / "patrol.toml"),
         "Path of the optional TOML config file (table [patrol], keys without the PATROL_ prefix, lower case).")
register("PATROL_STORE", _default_store,
         "Store URL: mongodb://host:port/db (production) or sqlite:///path/patrol.db (embedded default, created on first use).")
register("PATROL_STORE_TIMEOUT", 5.0,
         "Seconds to wait for the store server before reporting it unreachable.", float)
register("PATROL_SOURCES", _default_sources,
         "Directory of source profiles (one YAML file per target site); defaults to the bundled demo sources.")
register("PATROL_MODEL", _default_model,
         "Path of the trained classifier artifact (.skops with its .json sidecar); defaults to the model shipped in the package.")
register("PATROL_CHROMIUM", _default_chromium,
         "Chromium executable for pages rendered in a browser; empty means Playwright's own browser.")
register("PATROL_TIMEZONE", "Asia/Shanghai",
         "Time zone of the office: schedules, day buckets in statistics and dates in reports.")
register("PATROL_LEASE_RENEW_SECONDS", 120,
         "Seconds between a console flag page's lease renewals while the analyst keeps it open (the lease is 15 minutes).", int)
register("PATROL_CONTACT", "patrol-office@example.org",
         "Contact named in the crawler's user agent so site owners can reach the office.")
register("PATROL_USER_AGENT", "",
         "Full user agent override; empty builds 'ContentPatrol/<version> (+<contact>)'.")
register("PATROL_DATA_DIR", lambda: str(data_dir()),
         "Directory for spools, crawl job state, screenshots and other working files.")
register("PATROL_DOWNLOAD_DELAY", 0.5,
         "Default seconds between requests to one domain (a profile may override it visibly).", float)
register("PATROL_CONCURRENCY_PER_DOMAIN", 2,
         "Default maximum concurrent requests per domain (a profile may override it visibly).", int)
register("PATROL_MAX_PAGE_BYTES", 10 * 1024 * 1024,
         "Largest response body kept, in bytes; larger pages are cut off and counted.", int)
register("PATROL_SCREENSHOTS", False,
         "Keep a PNG screenshot of every page rendered in the browser, as evidence.", _bool)
register("PATROL_STORE_BATCH", 500,
         "Items per bulk write from a crawl to the store.", int)
register("PATROL_STORE_FLUSH_SECONDS", 5.0,
         "Longest time a crawled item waits in memory before it is written (or spooled).", float)
register("PATROL_CLASSIFY", True,
         "Classify crawled items and raise flags; off stores items only.", _bool)
register("PATROL_CLASSIFY_WORKERS", 1,
         "Threads that classify items beside the crawl's reactor thread.", int)
register("PATROL_RUN_ID", "",
         "Set by patrol crawl and the scheduler: the run record a crawl reports into (empty: the crawl creates one).")
register("PATROL_RUN_TRIGGER", "manual",
         "Set by patrol crawl and the scheduler: what started a crawl (manual, schedule, demo, retry).")
register("PATROL_STATS_FILE", "",
         "Set by patrol crawl and the scheduler: where a crawl writes its final stats as JSON (empty: nowhere).")
register("PATROL_CRAWL_TIME_LIMIT", 3600.0,
         "Seconds a crawl started by patrol crawl or the scheduler may run before it is stopped.", float)
register("PATROL_SCHEDULE_MISFIRE_GRACE", 6 * 3600,
         "Seconds after its time a run missed while the scheduler was down still runs (once) at start-up.", int)
register("PATROL_SCHEDULE_RETRY_BACKOFF", 600.0,
         "Seconds the scheduler waits before retrying a failed run (once).", float)
register("PATROL_SCHEDULE_RELOAD", 300.0,
         "Seconds between the scheduler's re-reads of the source profiles (SIGHUP also re-reads them).", float)
register("PATROL_SCHEDULE_STOP_GRACE", 60.0,
         "Seconds a running crawl gets to finish after SIGTERM to the scheduler before it is killed.", float)
register("PATROL_WEB_SECRET", "",
         "Secret key that signs review-console sessions and API tokens; empty keeps a random key in PATROL_DATA_DIR/web-secret.key.")
def _auto_bool(value: str) -> str | bool:
    return "auto" if str(value).strip().lower() == "auto" else _bool(value)


register("PATROL_COOKIE_SECURE", "auto",
         "Secure flag of the console's session cookie: auto (set when the request came over HTTPS), true (always; behind a TLS-terminating reverse proxy) or false.",
         _auto_bool)
register("PATROL_FERRETDB", "",
         "FerretDB binary for the throwaway test/benchmark server (patrol.devserver); empty: the cached build, then PATH.")
register("PATROL_OUTLET_REGISTRY", lambda: str(Path(__file__).resolve().parent.parent / "classifiers" / "data" / "registry" / "outlets.csv"),
         "CSV (name,domain) of licensed news outlets that the fake-media check looks names and sites up in; analysts maintain it.")
register("PATROL_LOG_LEVEL", "INFO",
         "Log level of crawls and commands (DEBUG, INFO, WARNING, ERROR).")
register("PATROL_HTTPCACHE", True,
         "Keep Scrapy's HTTP cache (RFC 2616 policy) under PATROL_DATA_DIR/httpcache so re-crawls revalidate with ETag/Last-Modified.", _bool)
# -- the shared frontier (patrol/distributed/) ---------------------------------
register("PATROL_REDIS_URL", "",
         "Redis (or Valkey) URL of the shared frontier, e.g. redis://127.0.0.1:6379/0; set, the scheduler and patrol crawl --distributed enqueue runs for patrol worker processes instead of crawling themselves.")
register("PATROL_REDIS_PREFIX", "patrol",
         "Prefix of every Redis key of the shared frontier (two offices may share one Redis under different prefixes).")
register("PATROL_LEASE_SECONDS", 120.0,
         "Seconds a worker holds a request it took from the frontier without renewing it; a dead worker's requests return to the queue after this.", float)
register("PATROL_WORKER_CONCURRENCY", 16,
         "Requests one patrol worker process downloads at once, over all sources (patrol worker --concurrency).", int)
register("PATROL_WORKER_HEARTBEAT", 5.0,
         "Seconds between a worker's heartbeats in Redis (patrol workers lists those seen within three heartbeats).", float)

# -- evidence of flagged pages and re-checks (patrol/evidence/, docs/evidence.md) ----
register("PATROL_EVIDENCE", True,
         "Capture every page that raises a flag (WARC request/response; DOM and screenshot of rendered pages) beside the store.", _bool)
register("PATROL_EVIDENCE_DIR", "",
         "Directory of capture files (named by SHA-256); empty: 'evidence' beside an SQLite store file, else PATROL_DATA_DIR/evidence.")
register("PATROL_EVIDENCE_KEY", "",
         "Ed25519 private key (PEM) that signs evidence packages; empty: PATROL_DATA_DIR/evidence-key.pem (patrol evidence keygen).")
register("PATROL_OFFICE", "content-patrol office",
         "Name of the office that fixes the evidence, written into every capture and package manifest.")
register("PATROL_TSA_URL", "",
         "RFC 3161 timestamp authority URL; set, every evidence package carries a timestamp token over its manifest.")
register("PATROL_TSA_TIMEOUT", 10.0,
         "Seconds to wait for the timestamp authority before the package is left untimestamped (retry: patrol evidence timestamp).", float)
register("PATROL_DATASETS", "",
         "Directory of the shared datasets (real-reviews/, real-news/) for training, calibration and evaluation (empty: ../shared/datasets beside the repository).")
register("PATROL_TRAIN_OOF_DUMP", "",
         "patrol train: write the out-of-fold scores to this .npz file, to study the thresholds without refitting (empty: none).")
register("PATROL_RECHECK_AFTER", 7.0,
         "Days after a takedown request before the first re-check of the page; the second is at 30 days.", float)
register("PATROL_RECHECK_INTERVAL", 3600.0,
         "Seconds between the scheduler's runs of due re-checks after takedown (0: the scheduler runs none; patrol recheck --due).", float)
register("PATROL_CLOCK_OFFSET", 0.0,
         "Seconds added to the clock when deciding which re-checks are due (drills and tests; 0 in production).", float)


_file_cache: dict[str, tuple[float, dict]] = {}


def _config_file_values() -> dict[str, Any]:
    path = os.environ.get("PATROL_CONFIG") or SETTINGS["PATROL_CONFIG"].default_value()
    p = Path(path)
    if not p.is_file():
        return {}
    mtime = p.stat().st_mtime
    cached = _file_cache.get(str(p))
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read config file: {exc}") from exc
    table = data.get("patrol", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{p}: [patrol] must be a table")
    values = {}
    for key, value in table.items():
        name = "PATROL_" + key.upper()
        if name not in SETTINGS:
            raise ConfigError(f"{p}: unknown setting 'patrol.{key}' (known: "
                              + ", ".join(sorted(k[7:].lower() for k in SETTINGS)) + ")")
        values[name] = value
    _file_cache[str(p)] = (mtime, values)
    return values


register("PATROL_CASES_HUB_SOURCES", 10,
         "An identifier shown by flags of this many distinct sources is a hub (a platform's number, a common domain): shown, but it links no cases.", int)
register("PATROL_CASES_HUBS", "",
         "Identifiers that never link cases, comma-separated type:value keys (e.g. the office's own contact: phone:+861012345678).")

def get(name: str) -> Any:
    """The value of one setting: environment, then config file, then default."""
    setting = SETTINGS[name]
    raw: Any
    origin: str
    if name in os.environ:
        raw, origin = os.environ[name], f"environment variable {name}"
    else:
        file_values = _config_file_values()
        if name in file_values:
            raw, origin = file_values[name], f"config file key patrol.{name[7:].lower()}"
        else:
            return setting.default_value()
    if setting.type is str:
        return str(raw)
    if not isinstance(raw, str) and setting.type in (int, float):
        raw = str(raw)
    try:
        return setting.type(raw) if isinstance(raw, str) else raw
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: invalid value {raw!r}: {exc}") from exc


def user_agent() -> str:
    ua = get("PATROL_USER_AGENT")
    if ua:
        return ua
    from patrol import __version__
    return f"ContentPatrol/{__version__} (+mailto:{get('PATROL_CONTACT')}; public-listing patrol crawler)"


def as_dict() -> dict[str, Any]:
    return {name: get(name) for name in SETTINGS}
