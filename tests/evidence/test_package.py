"""Evidence packages (issue 14, parts 2-4): a real crawl of a local site, a
confirmed flag, ``patrol evidence keygen|export|verify|timestamp`` run as the
CLI, a real local TSA (``openssl ts``) and the token checked with ``openssl ts
-verify``; ``wacz validate`` on the package; tampered and damaged packages
fail naming the file, never with a traceback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from patrol.store import open_store
from tests.evidence.site import MutableSite, profile_yaml
from tests.pipelines.conftest import profile_crawl

ROOT = Path(__file__).resolve().parents[2]
GOODS = (ROOT / "patrol/demo/sites/ziliaopu/goods/1006.html").read_text(encoding="utf-8")
WACZ = Path(sys.executable).with_name("wacz")


class Case:
    """One crawled, confirmed flag and the environment the CLI runs in."""

    def __init__(self, tmp: Path, store_url: str):
        self.tmp, self.store_url = tmp, store_url
        self.vars = {"PATROL_STORE": store_url, "PATROL_DATA_DIR": str(tmp / "data"),
                     "PATROL_CONFIG": str(tmp / "none.toml"), "PATROL_TSA_URL": "",
                     "PATROL_TSA_TIMEOUT": "3"}
        self.site = MutableSite({"/": (200, '<html><body><a href="/g.html">g</a></body></html>'),
                                 "/g.html": (200, GOODS)})
        proc, stats = profile_crawl(profile_yaml(self.site), tmp_path=tmp, store_url=store_url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert stats["patrol/evidence/captured"] == 1
        with open_store(store_url) as store:
            (flag,), _ = store.list_flags(limit=5)
            store.decide(flag["id"], "lead1", "confirmed", "sells unlicensed publications",
                         "报告给平台")
        self.flag_id = flag["id"]
        self.url = flag["url"]
        done = self.cli("evidence", "keygen")
        assert done.returncode == 0, done.stderr
        self.keygen_out = done.stdout

    def cli(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "patrol", *args], cwd=ROOT,
                              env={**os.environ, **self.vars, **(env or {})},
                              capture_output=True, text=True, timeout=300)

    def export(self, name: str, **env) -> Path:
        out = self.tmp / name
        done = self.cli("evidence", "export", self.flag_id, "-o", str(out), env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        return out

    def verify(self, path: Path, *extra: str) -> tuple[int, dict, str]:
        done = self.cli("evidence", "verify", "--json", *extra, str(path))
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("case")
    c = Case(tmp, f"sqlite:///{tmp / 'patrol.db'}")
    yield c
    c.site.close()


@pytest.fixture(scope="module")
def package(case) -> Path:
    return case.export("case.wacz")


def _failed(report: dict) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}


def _rewrite(src: Path, dst: Path, changes: dict, *, fix_datapackage: bool = False) -> Path:
    """A consistent zip with members replaced (``changes``: name -> function of bytes);
    ``fix_datapackage``: also recompute datapackage.json's digests, as a forger would."""
    with zipfile.ZipFile(src) as zin:
        files = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    for name, fn in changes.items():
        files[name] = fn(files[name])
    if fix_datapackage:
        dp = json.loads(files["datapackage.json"])
        for res in dp["resources"]:
            res["hash"] = "sha256:" + hashlib.sha256(files[res["path"]]).hexdigest()
        files["datapackage.json"] = json.dumps(dp).encode()
        files["datapackage-digest.json"] = json.dumps(
            {"path": "datapackage.json",
             "hash": "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()}).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in files.items():
            zout.writestr(name, data)
    return dst


def _flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _member(pkg: Path, prefix: str) -> str:
    with zipfile.ZipFile(pkg) as z:
        return next(n for n in z.namelist() if n.startswith(prefix))


def test_keygen_prints_the_public_key_and_refuses_to_replace_it(case):
    assert "BEGIN PUBLIC KEY" in case.keygen_out and "public key SHA-256:" in case.keygen_out
    key = Path(case.vars["PATROL_DATA_DIR"]) / "evidence-key.pem"
    assert key.stat().st_mode & 0o077 == 0
    again = case.cli("evidence", "keygen")
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr


def test_export_verifies_and_wacz_validate_passes(case, package):
    rc, report, _ = case.verify(package)
    assert rc == 0 and report["ok"], _failed(report)
    names = {c["name"] for c in report["checks"]}
    assert {"evidence/manifest.sig", "evidence/chain.jsonl", "evidence/manifest.json"} <= names
    done = subprocess.run([str(WACZ), "validate", "-f", str(package)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout + done.stderr


def test_manifest_records_how_when_and_by_whom(case, package):
    with zipfile.ZipFile(package) as z:
        m = json.loads(z.read("evidence/manifest.json"))
        chain_lines = z.read("evidence/chain.jsonl").decode().splitlines()
        pages = z.read("pages/pages.jsonl").decode()
        warc_name = _member(package, "archive/")
        assert m["files"][warc_name] == hashlib.sha256(z.read(warc_name)).hexdigest()
    assert m["source_url"] == case.url and case.url in pages
    assert m["fetched_at"]["utc"].endswith("Z") and m["fetched_at"]["office"].endswith("+08:00")
    assert m["access"]["server_ip"] == "127.0.0.1" and m["access"]["http_status"] == 200
    assert m["crawler"]["version"].startswith("content-patrol/")
    assert "ContentPatrol" in m["crawler"]["user_agent"]
    assert m["source_profile"] is not None and "evidence/profile.json" in m["files"]
    assert m["model"]["verdict"] and m["model"]["version"]
    assert m["decision"]["verdict"] == "confirmed" and m["decision"]["analyst"] == "lead1"
    assert m["decision"]["reason"] == "sells unlicensed publications" and m["decision"]["note"] == "报告给平台"
    assert m["timestamp"]["status"] == "not configured"
    kinds = [json.loads(line)["kind"] for line in chain_lines]
    assert kinds[:2] == ["capture", "decision"] and m["chain"]["entries"] == len(kinds)


@pytest.mark.parametrize("member", ["archive/", "evidence/manifest.json", "evidence/chain.jsonl"])
def test_a_flipped_byte_fails_naming_the_file(case, package, tmp_path, member):
    name = _member(package, member)
    # 1. the byte flipped in the zip file itself (the zip's CRC or the digest catches it)
    with zipfile.ZipFile(package) as z:
        info = z.getinfo(name)
    raw = bytearray(package.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x01
    flipped = tmp_path / "flipped.wacz"
    flipped.write_bytes(bytes(raw))
    rc, report, _ = case.verify(flipped)
    assert rc == 1 and not report["ok"]
    assert any(n.startswith(name) for n in _failed(report)), _failed(report)
    # 2. a consistent zip with the member's byte flipped, datapackage.json recomputed by a forger
    forged = _rewrite(package, tmp_path / "forged.wacz", {name: _flip}, fix_datapackage=True)
    rc, report, _ = case.verify(forged)
    failed = _failed(report)
    assert rc == 1 and failed
    assert any(name in n or name in d for n, d in failed.items()), failed
    if member == "evidence/manifest.json":
        assert "evidence/manifest.sig" in failed


def test_a_deleted_chain_entry_is_detected(case, package, tmp_path):
    def drop_first(data: bytes) -> bytes:
        return b"".join(data.splitlines(keepends=True)[1:])
    forged = _rewrite(package, tmp_path / "nochain.wacz", {"evidence/chain.jsonl": drop_first},
                      fix_datapackage=True)
    rc, report, _ = case.verify(forged)
    failed = _failed(report)
    assert rc == 1 and "evidence/chain.jsonl" in failed
    assert "entry 1" in failed["evidence/chain.jsonl"] or "digest" in failed["evidence/chain.jsonl"]


def test_verify_against_another_office_key_fails(case, package, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    rc, report, _ = case.verify(package, "--key", str(other))
    assert rc == 1 and not report["ok"]
    mine = tmp_path / "mine.pem"
    with zipfile.ZipFile(package) as z:
        mine.write_bytes(z.read("evidence/office-key.pem"))
    rc, report, _ = case.verify(package, "--key", str(mine))
    assert rc == 0 and report["ok"], _failed(report)


def test_the_signature_verifies_with_openssl(case, package, tmp_path):
    """docs/evidence.md: the signature is Ed25519 over SHA-256(manifest.json)."""
    with zipfile.ZipFile(package) as z:
        z.extractall(tmp_path)
    digest = tmp_path / "manifest.sha256"
    digest.write_bytes(hashlib.sha256((tmp_path / "evidence/manifest.json").read_bytes()).digest())
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                           str(tmp_path / "evidence/office-key.pem"), "-rawin", "-in", str(digest),
                           "-sigfile", str(tmp_path / "evidence/manifest.sig")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Verified Successfully" in done.stdout, done.stdout + done.stderr
    # docs/evidence.md: warcio checks every record's digest.
    warcs = sorted((tmp_path / "archive").glob("*.warc.gz"))
    done = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", *map(str, warcs)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "digest pass" in done.stdout and "fail" not in done.stdout.lower()


@pytest.mark.parametrize("damage", ["truncated", "not-a-zip", "no-datapackage", "empty"])
def test_a_damaged_package_is_reported_not_raised(case, package, tmp_path, damage):
    bad = tmp_path / f"{damage}.wacz"
    if damage == "truncated":
        bad.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    elif damage == "not-a-zip":
        bad.write_text("<html>this is not a package</html>")
    elif damage == "empty":
        bad.write_bytes(b"")
    else:
        with zipfile.ZipFile(package) as zin, zipfile.ZipFile(bad, "w") as zout:
            for i in zin.infolist():
                if i.filename != "datapackage.json":
                    zout.writestr(i.filename, zin.read(i.filename))
    rc, report, _ = case.verify(bad)
    assert rc == 1 and not report["ok"] and _failed(report)
    text = case.cli("evidence", "verify", str(bad))
    assert text.returncode == 1 and "Traceback" not in text.stderr and "FAIL" in text.stdout


def test_local_tsa_token_verifies_with_openssl(case, tsa, tmp_path):
    pkg = case.export("stamped.wacz", PATROL_TSA_URL=tsa.url)
    rc, report, _ = case.verify(pkg, "--tsa-ca", str(tsa.ca))
    assert rc == 0 and report["ok"], _failed(report)
    with zipfile.ZipFile(pkg) as z:
        z.extractall(tmp_path)
        m = json.loads(z.read("evidence/manifest.json"))
    assert m["timestamp"]["status"] == "timestamped" and m["timestamp"]["tsa_url"] == tsa.url
    cmd = ["openssl", "ts", "-verify", "-data", str(tmp_path / "evidence/manifest.json"),
           "-in", str(tmp_path / "evidence/manifest.tsr"), "-CAfile", str(tsa.ca)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stdout + done.stderr
    # The token does not cover a changed manifest (openssl says so too).
    (tmp_path / "evidence/manifest.json").write_bytes(_flip((tmp_path / "evidence/manifest.json").read_bytes()))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Verification: OK" not in done.stdout
    # A token from a CA the verifier does not trust fails the --tsa-ca check.
    rc, report, _ = case.verify(pkg, "--tsa-ca", str(tsa.cert.with_name("tsa.pem")))
    assert rc == 1 and "evidence/manifest.tsr" in _failed(report)
    # The timestamp is recorded in the case's chain.
    with open_store(case.store_url) as store:
        assert "timestamp" in [e["kind"] for e in store.list_evidence(case.flag_id)]


def test_a_tsa_that_does_not_answer_leaves_a_signed_untimestamped_package(case, tsa, dead_url, tmp_path):
    out = tmp_path / "unstamped.wacz"
    done = case.cli("evidence", "export", case.flag_id, "-o", str(out), env={"PATROL_TSA_URL": dead_url})
    assert done.returncode == 0, done.stderr
    assert "not timestamped" in done.stdout and f"patrol evidence timestamp {case.flag_id}" in done.stdout
    with zipfile.ZipFile(out) as z:
        m = json.loads(z.read("evidence/manifest.json"))
        assert "evidence/manifest.tsr" not in z.namelist()
    assert m["timestamp"]["status"] == "missing" and "did not answer" in m["timestamp"]["reason"]
    rc, report, _ = case.verify(out)
    assert rc == 0 and report["ok"], _failed(report)
    assert any(c["name"] == "timestamp" and "missing" in c["detail"] for c in report["checks"])
    # `patrol evidence timestamp` fails while the TSA is still down, then succeeds against a live one.
    down = case.cli("evidence", "timestamp", case.flag_id, "-o", str(out), env={"PATROL_TSA_URL": dead_url})
    assert down.returncode != 0 and "did not answer" in down.stderr and "Traceback" not in down.stderr
    up = case.cli("evidence", "timestamp", case.flag_id, "-o", str(out), env={"PATROL_TSA_URL": tsa.url})
    assert up.returncode == 0, up.stderr
    rc, report, _ = case.verify(out, "--tsa-ca", str(tsa.ca))
    assert rc == 0 and any(c["name"] == "evidence/manifest.tsr" and c["ok"] for c in report["checks"])


def test_export_on_both_stores(store_url, tmp_path):
    """The same round trip on FerretDB (over TCP) and SQLite, with its chain."""
    c = Case(tmp_path, store_url)
    try:
        pkg = c.export("both.wacz")
        rc, report, _ = c.verify(pkg)
        assert rc == 0 and report["ok"], _failed(report)
        with open_store(store_url) as store:
            assert [e["kind"] for e in store.list_evidence(c.flag_id)][:2] == ["capture", "decision"]
        # exporting again does not record the decision twice
        c.export("again.wacz")
        with open_store(store_url) as store:
            assert [e["kind"] for e in store.list_evidence(c.flag_id)].count("decision") == 1
    finally:
        c.site.close()


def test_export_of_unknown_flag_or_without_key_is_a_clear_error(case, tmp_path):
    done = case.cli("evidence", "export", "0" * 32, "-o", str(tmp_path / "x.wacz"))
    assert done.returncode != 0 and "Traceback" not in done.stderr and done.stderr.strip()
    done = case.cli("evidence", "export", case.flag_id, "-o", str(tmp_path / "x.wacz"),
                    env={"PATROL_EVIDENCE_KEY": str(tmp_path / "nokey.pem")})
    assert done.returncode != 0 and "keygen" in done.stderr and "Traceback" not in done.stderr
