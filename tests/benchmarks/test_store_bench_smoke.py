"""The store benchmark runs end to end on small sizes, on SQLite and on the
test FerretDB, and times every operation at every size. Nothing here looks at
speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPS = {"new", "unchanged", "changed", "apps", "flags", "raw"}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mongodb", marks=pytest.mark.mongo)])
def test_store_benchmark_smoke(tmp_path, backend, request):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "store" / "bench.py"), "--backend", backend,
           "--sizes", "0,60", "--batch", "20", "--rounds", "2", "--json", str(out)]
    if backend == "mongodb":
        cmd += ["--mongo-uri", request.getfixturevalue("mongo_uri")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    recs = json.loads(out.read_text(encoding="utf-8"))
    assert {r["op"] for r in recs if r["size"] == 60} == OPS
    assert {r["op"] for r in recs if r["size"] == 0} == OPS - {"unchanged", "changed"}
    assert all(r["ms"] > 0 and r["cpu_ms"] >= 0 and r["batch"] == 20 for r in recs)
    assert "wall ms per batch" in proc.stdout and "| 60 |" in proc.stdout
