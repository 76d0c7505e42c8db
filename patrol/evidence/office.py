"""The office's evidence settings in one place, for the CLI, the console and
the scheduler (``PATROL_EVIDENCE_DIR``, ``PATROL_EVIDENCE_KEY``, ``PATROL_TSA_URL``, ...)."""

from __future__ import annotations

from pathlib import Path

from patrol import config
from patrol.evidence.blobs import Blobs, evidence_dir
from patrol.evidence.signing import key_path


def blobs(store_url: str | None = None) -> Blobs:
    return Blobs(evidence_dir(store_url if store_url is not None else config.get("PATROL_STORE"),
                              config.get("PATROL_EVIDENCE_DIR"), config.get("PATROL_DATA_DIR")))


def key_file() -> Path:
    return key_path(config.get("PATROL_EVIDENCE_KEY"), config.get("PATROL_DATA_DIR"))


def export_case(store, flag_id: str, out: Path, *, exported_by: str,
                require_timestamp: bool = False) -> dict:
    from patrol.evidence.package import export
    return export(store, flag_id, Path(out), blobs=blobs(store.url), key_file=key_file(),
                  tz=config.get("PATROL_TIMEZONE"), office=config.get("PATROL_OFFICE"),
                  exported_by=exported_by, tsa_url=config.get("PATROL_TSA_URL"),
                  tsa_timeout=config.get("PATROL_TSA_TIMEOUT"), require_timestamp=require_timestamp)
