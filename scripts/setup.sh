#!/usr/bin/env bash
# Set up everything this project needs on a fresh machine, idempotently:
#   scripts/setup.sh          the virtual environment, packages, a browser
#   scripts/setup.sh --test   ... and the MongoDB-compatible test server
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

log() { printf '[setup] %s\n' "$*" >&2; }

# 1. Python virtual environment and the project with its dependencies.
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
#    The exact versions and hashes of requirements.lock (scripts/lock makes it
#    from pyproject.toml's ranges), then the project itself without resolving
#    again; pip check fails when pyproject.toml asks for something the lock
#    does not hold (run scripts/lock). PATROL_UNLOCKED=1 installs from the
#    ranges instead (newest releases: to try them before refreshing the lock).
stamp=.venv/.patrol-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "${PATROL_UNLOCKED:-}" = 1 ]; then
    log "installing Python packages from pyproject.toml's ranges (PATROL_UNLOCKED=1)"
    .venv/bin/python -m pip install -q -e '.[test]'
  else
    log "installing Python packages from requirements.lock (exact versions, hashes checked)"
    .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
    .venv/bin/python -m pip install -q --no-deps -e .
    if ! .venv/bin/python -m pip check >&2; then
      log "requirements.lock does not satisfy pyproject.toml: run scripts/lock and commit requirements.lock"
      exit 1
    fi
  fi
  touch "$stamp"
fi

# 2. A Chromium for JavaScript pages: Debian's package where we can install
#    it, otherwise Playwright's own build (needs internet).
if [ -z "${PATROL_CHROMIUM:-}" ] && [ ! -x /usr/lib/chromium/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    log "installing Debian's chromium (sudo)"
    sudo apt-get update -q >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    log "no Debian chromium: using Playwright's browser (playwright install chromium)"
    .venv/bin/python -m playwright install chromium
  fi
fi

# 2b. For evidence (docs/evidence.md): CJK fonts, so the screenshots of flagged
#     Chinese pages show their text and not empty boxes; openssl for checking
#     timestamp tokens by hand (and for the tests' local timestamp authority).
if ! fc-list 2>/dev/null | grep -qi "noto.*cjk" || ! command -v openssl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing fonts-noto-cjk and openssl"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk openssl >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    log "installing fonts-noto-cjk and openssl (sudo)"
    sudo apt-get update -q >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk openssl >/dev/null
  else
    log "warning: install a CJK font (fonts-noto-cjk) or screenshots show Chinese as empty boxes"
  fi
fi

# 3. For the tests: FerretDB 1.24 (a MongoDB-compatible server), built once
#    from the Go module proxy into the cache (patrol/devserver.py knows how),
#    unless PATROL_TEST_MONGO_URI names a real server.
if [ "$want_test" = 1 ] && [ -z "${PATROL_TEST_MONGO_URI:-}" ]; then
  command -v go >/dev/null || { log "Go is needed to build FerretDB (or set PATROL_TEST_MONGO_URI to a mongod)"; exit 1; }
  log "FerretDB: $(.venv/bin/python -c 'from patrol.devserver import ferretdb_binary; print(ferretdb_binary())')"
fi
# 4. For the tests: Redis for the shared frontier (patrol/distributed/), Debian's
#    redis-server (Valkey's valkey-server works too); the tests start their own
#    on a free port (patrol/devredis.py), so the package's service is not needed.
if [ "$want_test" = 1 ] && ! command -v redis-server >/dev/null && ! command -v valkey-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian's redis-server"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
    log "installing Debian's redis-server (sudo)"
    sudo apt-get update -q >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
  else
    log "redis-server is needed for the tests: install Redis or Valkey"; exit 1
  fi
fi
log "ready"
