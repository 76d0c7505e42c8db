"""The office's Ed25519 key (``cryptography``): made once by
``patrol evidence keygen``, used to sign each package's manifest digest.

What is signed is the 32-byte SHA-256 digest of ``evidence/manifest.json``,
so a third party can check it with OpenSSL alone (docs/evidence.md)::

    openssl dgst -sha256 -binary evidence/manifest.json > manifest.sha256
    openssl pkeyutl -verify -pubin -inkey office-key.pem -rawin \\
        -in manifest.sha256 -sigfile evidence/manifest.sig
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from patrol.errors import PatrolError


class SigningKeyError(PatrolError):
    """The signing key is missing or unreadable."""


def key_path(setting: str = "", data_dir: str = "") -> Path:
    if setting:
        return Path(setting).expanduser()
    if not data_dir:
        from patrol import config
        data_dir = config.get("PATROL_DATA_DIR")
    return Path(data_dir) / "evidence-key.pem"


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: what the case file records."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keygen(path: Path, *, force: bool = False) -> Ed25519PublicKey:
    """Make a new key at ``path`` (mode 0600); refuses to replace one unless ``force``."""
    if path.exists() and not force:
        raise SigningKeyError(f"{path} exists: an office key is made once (packages signed with it "
                        "would no longer match a new one); give --force to replace it")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    return key.public_key()


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningKeyError(f"no evidence signing key at {path}: run 'patrol evidence keygen' "
                        "(or set PATROL_EVIDENCE_KEY)") from None
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the evidence signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return key


def sign_digest(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(hashlib.sha256(data).digest())


def load_public(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def check_signature(public: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public.verify(signature, hashlib.sha256(data).digest())
        return True
    except InvalidSignature:
        return False
