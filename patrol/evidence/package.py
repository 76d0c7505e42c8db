"""The evidence package of one case: a WACZ file (py-wacz's layout) with the
case's manifest, signature, timestamp token and chain.

py-wacz builds the web-archive part from the case's WARCs (``archive/``,
``indexes/``, ``pages/pages.jsonl``); this module adds ``evidence/``::

    evidence/manifest.json    what was fixed, how, when and by whom (see MANIFEST_FIELDS)
    evidence/manifest.sig     Ed25519 signature of SHA-256(manifest.json)
    evidence/manifest.tsr     RFC 3161 TimeStampResp over manifest.json (when a TSA answered)
    evidence/office-key.pem   the office's public key (check it against the case file)
    evidence/chain.jsonl      the case's chain, one entry per line
    evidence/screenshot.png, evidence/dom.html   of the latest capture of a rendered page
    evidence/profile.json     the source profile as it was for the capture

and rewrites ``datapackage.json`` (every file with its SHA-256, as the WACZ
spec asks) and ``datapackage-digest.json``. py-wacz is used rather than a
zip written here so the archive part is what replay tools and ``wacz
validate`` expect.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from patrol import __version__
from patrol.errors import PatrolError
from patrol.evidence import chain, signing, timestamp
from patrol.evidence.blobs import Blobs

MANIFEST_FORMAT = "content-patrol evidence manifest 1"
EVIDENCE = "evidence/"


class PackageError(PatrolError):
    """The package cannot be made (no capture, no key, ...)."""


def _times(value: str | _dt.datetime | None, tz: str) -> dict | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return {"utc": value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "office": value.astimezone(ZoneInfo(tz)).isoformat(), "office_timezone": tz}


def sync_decisions(store, flag: dict) -> None:
    """Record each decision of the flag's history in its chain (once each)."""
    for h in flag.get("history", []):
        if h.get("action") != "decided":
            continue
        at = h["at"]
        data = {"verdict": h.get("verdict"), "reason": h.get("reason", ""), "note": h.get("note", ""),
                "analyst": h.get("actor"), "at": chain.iso(at), "forced": bool(h.get("forced"))}
        chain.append_once(store, flag["id"], "decision", data, "at", at=at)


def latest_capture(entries: list[dict]) -> dict | None:
    caps = _captures(entries)
    return caps[-1] if caps else None


def _captures(entries: list[dict]) -> list[dict]:
    """Every capture of the case with a WARC, in chain order (re-checks included)."""
    out, seen = [], set()
    for e in entries:
        cap = e["data"].get("capture") if e["kind"] == "recheck" else e["data"]
        if e["kind"] in ("capture", "recheck") and cap and cap.get("warc"):
            if cap["warc"]["sha256"] not in seen:
                seen.add(cap["warc"]["sha256"])
                out.append(cap)
    return out


def build_manifest(flag: dict, entries: list[dict], capture: dict, *, tz: str, exported_by: str,
                   office: str, files: dict[str, str], public_key: str, tsa: dict) -> dict:
    decision = flag.get("decision") or {}
    return {
        "format": MANIFEST_FORMAT,
        "flag_id": flag["id"],
        "source_url": flag["url"],
        "title": flag.get("title", ""),
        "source": flag.get("source", ""),
        "category": flag["category"],
        "fetched_at": _times(capture.get("fetched_at"), tz),
        "access": {"method": "GET", "http_status": capture.get("http_status"),
                   "server_ip": capture.get("ip"), "rendered_in_browser": capture.get("rendered"),
                   "capture_status": capture.get("status"), "capture_reason": capture.get("reason", "")},
        "crawler": {"version": capture.get("software"), "user_agent": capture.get("user_agent"),
                    "environment": capture.get("environment", {})},
        "source_profile": capture.get("profile"),
        "model": {"version": flag.get("model_version"), "verdict": flag.get("verdict"),
                  "score": flag.get("score"), "evidence": flag.get("evidence", {})},
        "decision": ({"verdict": decision.get("verdict"), "reason": decision.get("reason"),
                      "note": decision.get("note", ""), "analyst": decision.get("analyst"),
                      "at": _times(decision.get("at"), tz)} if decision else None),
        "status": flag.get("status"),
        "screenshot": files.get("evidence/screenshot.png"),
        "files": files,
        "chain": {"entries": len(entries), "last_digest": entries[-1]["digest"] if entries else None,
                  "file": "evidence/chain.jsonl"},
        "fixed_by": {"office": office, "exported_by": exported_by,
                     "software": f"content-patrol/{__version__}"},
        "exported_at": _times(_dt.datetime.now(_dt.timezone.utc), tz),
        "signature": {"algorithm": "Ed25519", "signed": "SHA-256 digest of evidence/manifest.json",
                      "file": "evidence/manifest.sig", "public_key_sha256": public_key},
        "timestamp": tsa,
    }


def _py_wacz(warc_paths: list[Path], out: Path, pages: list[dict], title: str) -> None:
    from wacz.main import main as wacz_main
    pages_file = out.with_name("pages.jsonl")
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "content-patrol evidence package"}]
    lines += [{"id": f"capture-{n}", "url": p["url"], "ts": p["ts"], "title": title}
              for n, p in enumerate(pages, 1)]
    pages_file.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    args = ["create", "-o", str(out), "-p", str(pages_file), "--copy-pages",
            "--title", "content-patrol evidence package"] + [str(p) for p in warc_paths]
    with contextlib.redirect_stdout(io.StringIO()) as said:
        rc = wacz_main(args)
    if rc:
        raise PackageError(f"py-wacz could not build the package: {said.getvalue()[-500:]}")


def _finish_zip(base: Path, out: Path, extra: dict[str, bytes]) -> None:
    """Copy py-wacz's zip, add ``extra`` files, rewrite the datapackage files."""
    with zipfile.ZipFile(base) as src:
        datapackage = json.loads(src.read("datapackage.json"))
        tmp = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                if info.filename in ("datapackage.json", "datapackage-digest.json"):
                    continue
                dst.writestr(info, src.read(info.filename))
            for name, data in extra.items():
                info = zipfile.ZipInfo(name, date_time=_dt.datetime.now(_dt.timezone.utc).timetuple()[:6])
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                dst.writestr(info, data)
                datapackage["resources"].append({"name": Path(name).name.lower(), "path": name,
                                                 "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                                                 "bytes": len(data)})
            dp = json.dumps(datapackage, indent=2).encode("utf-8")
            info = zipfile.ZipInfo("datapackage.json", date_time=_dt.datetime.now(_dt.timezone.utc).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, dp)
            digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(dp).hexdigest()}
            info = zipfile.ZipInfo("datapackage-digest.json", date_time=info.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, json.dumps(digest, indent=2))
    tmp.replace(out)


def export(store, flag_id: str, out: Path, *, blobs: Blobs, key_file: Path, tz: str,
           office: str, exported_by: str, tsa_url: str = "", tsa_timeout: float = 10.0,
           require_timestamp: bool = False) -> dict:
    """Write the package of ``flag_id`` to ``out``; returns a summary
    ``{"path", "bytes", "files", "timestamp", "public_key_sha256", "manifest_sha256"}``."""
    flag = store.get_flag(flag_id)
    key = signing.load_key(key_file)
    sync_decisions(store, flag)
    entries = chain.entries(store, flag_id)
    capture = latest_capture(entries)
    if capture is None:
        reasons = [e["data"].get("reason") for e in entries if e["kind"] == "capture"]
        raise PackageError(f"flag {flag_id} has no capture to package"
                           + (f" (capture missing: {reasons[-1]})" if reasons and reasons[-1] else
                              " (it was raised before evidence capture, or with PATROL_EVIDENCE off)"))
    extra: dict[str, bytes] = {}
    try:
        if capture.get("screenshot"):
            extra["evidence/screenshot.png"] = blobs.get(capture["screenshot"]["sha256"])
        if capture.get("dom"):
            extra["evidence/dom.html"] = blobs.get(capture["dom"]["sha256"])
        if capture.get("profile"):
            extra["evidence/profile.json"] = blobs.get(capture["profile"]["sha256"])
        captures = _captures(entries)
        warcs = {c["warc"]["sha256"]: blobs.get(c["warc"]["sha256"]) for c in captures}
    except FileNotFoundError as exc:
        raise PackageError(f"a capture file of flag {flag_id} is missing from {blobs.root}: {exc.filename}") from exc
    except ValueError as exc:
        raise PackageError(str(exc)) from exc
    extra["evidence/chain.jsonl"] = "".join(e["body"] + "\n" for e in entries).encode("utf-8")
    public = key.public_key()
    extra["evidence/office-key.pem"] = signing.public_pem(public)
    files = {name: hashlib.sha256(data).hexdigest() for name, data in extra.items()}
    files.update({f"archive/{sha}.warc.gz": sha for sha in warcs})
    args = dict(tz=tz, exported_by=exported_by, office=office, files=files,
                public_key=signing.fingerprint(public))
    tsa: dict = {"status": "not configured", "reason": "PATROL_TSA_URL is not set"}
    if tsa_url:
        tsa = {"status": "timestamped", "tsa_url": tsa_url, "file": "evidence/manifest.tsr",
               "imprint": "SHA-256 of evidence/manifest.json"}
    manifest_bytes = _dump(build_manifest(flag, entries, capture, tsa=tsa, **args))
    if tsa_url:
        try:
            extra["evidence/manifest.tsr"] = timestamp.request_token(manifest_bytes, tsa_url,
                                                                     timeout=tsa_timeout)
        except timestamp.TimestampError as exc:
            if require_timestamp:
                raise
            tsa = {"status": "missing", "tsa_url": tsa_url, "reason": str(exc),
                   "retry": f"patrol evidence timestamp {flag_id}"}
            manifest_bytes = _dump(build_manifest(flag, entries, capture, tsa=tsa, **args))
    extra["evidence/manifest.json"] = manifest_bytes
    extra["evidence/manifest.sig"] = signing.sign_digest(key, manifest_bytes)
    with tempfile.TemporaryDirectory(prefix="patrol-wacz-") as tmpdir:
        tmp = Path(tmpdir)
        paths = []
        for sha, data in warcs.items():
            p = tmp / f"{sha}.warc.gz"
            p.write_bytes(data)
            paths.append(p)
        pages = [{"url": c.get("url") or flag["url"], "ts": c.get("fetched_at")} for c in captures]
        _py_wacz(paths, tmp / "base.wacz", pages, flag.get("title") or flag["url"])
        out.parent.mkdir(parents=True, exist_ok=True)
        _finish_zip(tmp / "base.wacz", out, extra)
    if tsa.get("status") == "timestamped":
        chain.append(store, flag_id, "timestamp",
                     {"manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
                      "tsa_url": tsa_url, "gen_time": timestamp.gen_time(extra["evidence/manifest.tsr"])})
    return {"path": str(out), "bytes": out.stat().st_size, "files": sorted(files),
            "timestamp": tsa, "public_key_sha256": signing.fingerprint(public),
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()}


def _dump(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8")
