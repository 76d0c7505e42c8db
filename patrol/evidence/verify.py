"""``patrol evidence verify case.wacz``: check a package file by file.

Every check is reported as ``(name, ok, detail)``; a damaged package is
reported, never raised: a bad zip, a missing or changed file, a file not
listed, a manifest whose digests do not match, a bad signature, a timestamp
token over other data, a chain entry deleted or edited. The same checks can
be repeated with standard tools (docs/evidence.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from patrol.evidence import chain, signing, timestamp

SKIP = ("datapackage.json", "datapackage-digest.json")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


class Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def verify(path: Path, *, public_key: Path | None = None, tsa_ca: Path | None = None) -> Report:
    report = Report()
    try:
        _verify(path, report, public_key, tsa_ca)
    except Exception as exc:  # whatever else a damaged file does, it is a finding, not a crash
        report.add("package", False, f"cannot be read: {type(exc).__name__}: {exc}")
    return report


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verify(path: Path, report: Report, public_key: Path | None, tsa_ca: Path | None) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.add(str(path), False, f"not a readable WACZ (zip) file: {exc}")
        return
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        files: dict[str, bytes] = {}
        for name in names:
            try:
                files[name] = zf.read(name)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # CRC error: a changed byte
                report.add(name, False, f"unreadable in the zip (changed or damaged): {exc}")
    # 1. datapackage-digest.json -> datapackage.json -> every file
    dp_raw = files.get("datapackage.json")
    if dp_raw is None:
        report.add("datapackage.json", False, "missing")
        return
    digest_raw = files.get("datapackage-digest.json")
    if digest_raw is not None:
        try:
            want = json.loads(digest_raw)["hash"]
            report.add("datapackage-digest.json", want == "sha256:" + _sha(dp_raw),
                       "matches datapackage.json" if want == "sha256:" + _sha(dp_raw)
                       else "does not match datapackage.json (datapackage.json changed)")
        except (ValueError, KeyError, TypeError) as exc:
            report.add("datapackage-digest.json", False, f"unreadable: {exc}")
    try:
        resources = {r["path"]: r for r in json.loads(dp_raw)["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.add("datapackage.json", False, f"unreadable: {exc}")
        return
    for name in sorted(files):
        if name in SKIP:
            continue
        res = resources.get(name)
        if res is None:
            report.add(name, False, "not listed in datapackage.json")
            continue
        got = "sha256:" + _sha(files[name])
        report.add(name, res.get("hash") == got,
                   "SHA-256 matches datapackage.json" if res.get("hash") == got
                   else f"SHA-256 is {got[7:]}, datapackage.json says {str(res.get('hash'))[7:]}")
    for name in sorted(set(resources) - set(files)):
        report.add(name, False, "listed in datapackage.json but missing from the package")
    # 2. the manifest and the files it names
    raw = files.get("evidence/manifest.json")
    if raw is None:
        report.add("evidence/manifest.json", False, "missing")
        return
    try:
        manifest = json.loads(raw)
        listed = dict(manifest["files"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # Still check the signature over its bytes: it says whether it was changed.
        report.add("evidence/manifest.json", False, f"unreadable (changed or damaged): {exc}")
        _check_signature(report, {}, raw, files, public_key)
        return
    bad = [n for n, sha in listed.items() if n not in files or _sha(files[n]) != sha]
    report.add("evidence/manifest.json", not bad,
               f"{len(listed)} files match their digests in the manifest" if not bad
               else "digests do not match for " + ", ".join(bad))
    # 3. the signature
    _check_signature(report, manifest, raw, files, public_key)
    # 4. the timestamp token
    _check_timestamp(report, manifest, raw, files, tsa_ca)
    # 5. the chain
    lines_raw = files.get("evidence/chain.jsonl")
    if lines_raw is None:
        report.add("evidence/chain.jsonl", False, "missing")
        return
    lines = lines_raw.decode("utf-8", "replace").splitlines()
    problems = chain.check_lines(lines, manifest.get("flag_id"))
    last = chain.digest(lines[-1]) if lines else None
    pinned = (manifest.get("chain") or {}).get("last_digest")
    if last != pinned:
        problems.append("the last entry is not the one the manifest names (entries removed or added at the end)")
    report.add("evidence/chain.jsonl", not problems,
               f"{len(lines)} entries, each holding the digest of the one before" if not problems
               else "; ".join(problems))
    _check_warcs(report, files)


def _check_signature(report, manifest, raw, files, public_key) -> None:
    sig = files.get("evidence/manifest.sig")
    pem = files.get("evidence/office-key.pem")
    if sig is None or pem is None:
        report.add("evidence/manifest.sig", False, "signature or office key missing")
        return
    try:
        key = signing.load_public(public_key.read_bytes() if public_key else pem)
    except (OSError, ValueError) as exc:
        report.add("evidence/office-key.pem", False, f"unreadable public key: {exc}")
        return
    fp = signing.fingerprint(key)
    if public_key is not None:
        report.add("office key", signing.fingerprint(signing.load_public(pem)) == fp,
                   f"the package's key is the given key {public_key}" if signing.fingerprint(
                       signing.load_public(pem)) == fp else f"the package was signed with another key than {public_key}")
    named = (manifest.get("signature") or {}).get("public_key_sha256", fp if not manifest else None)
    ok = signing.check_signature(key, raw, sig)
    report.add("evidence/manifest.sig", ok and named == fp,
               f"Ed25519 signature of the manifest's SHA-256 verifies (key {fp[:16]}…)" if ok and named == fp
               else ("the signature does not verify over evidence/manifest.json: the manifest was "
                      "changed or signed by another key"
                     if not ok else "the manifest names another key than the one that signed it"))


def _check_timestamp(report, manifest, raw, files, tsa_ca) -> None:
    tsa = manifest.get("timestamp") or {}
    token = files.get("evidence/manifest.tsr")
    if tsa.get("status") != "timestamped":
        # Not a failure of integrity: the manifest says so (and why), as the issue asks.
        report.add("timestamp", True, f"none ({tsa.get('status')}: {tsa.get('reason', '')})")
        return
    if token is None:
        report.add("evidence/manifest.tsr", False, "the manifest says timestamped but the token is missing")
        return
    problem = timestamp.check_token(token, raw)
    if not problem and tsa_ca is not None:
        problem = timestamp.verify_chain(token, raw, Path(tsa_ca).read_bytes())
    detail = (f"RFC 3161 token over the manifest, time {timestamp.gen_time(token)}"
              + (", signed by a TSA under the given CA" if tsa_ca else " (give --tsa-ca to check the TSA's certificate)")
              if not problem else problem)
    report.add("evidence/manifest.tsr", not problem, detail)


def _check_warcs(report, files) -> None:
    from warcio.archiveiterator import ArchiveIterator
    for name in sorted(n for n in files if n.startswith("archive/")):
        try:
            kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(files[name]), check_digests=True)
                     if (r.content_stream().read() or True)]
            ok = "response" in kinds and "request" in kinds
            report.add(f"{name} (records)", ok, ", ".join(kinds) if ok else f"records: {kinds}")
        except Exception as exc:  # warcio raises several kinds for a damaged record
            report.add(f"{name} (records)", False, f"unreadable WARC: {exc}")
