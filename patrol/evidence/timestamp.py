"""RFC 3161 timestamps over a package's manifest (``rfc3161-client``).

The request is a TimeStampReq (SHA-256 imprint of ``evidence/manifest.json``,
a nonce, the TSA's certificate asked for) POSTed as
``application/timestamp-query``; the reply (TimeStampResp, DER) is kept as
``evidence/manifest.tsr``, which ``openssl ts -verify -data
evidence/manifest.json -in evidence/manifest.tsr -CAfile tsa-ca.pem`` checks.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

from rfc3161_client import (HashAlgorithm, PKIStatus, TimestampRequestBuilder,
                            decode_timestamp_response)

from patrol.errors import PatrolError


class TimestampError(PatrolError):
    """The timestamp authority gave no usable token (the message says why)."""


def request_token(data: bytes, url: str, *, timeout: float = 10.0) -> bytes:
    """The TSA's TimeStampResp (DER) over ``data``; TimestampError otherwise."""
    req = (TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256)
           .nonce(nonce=True).cert_request(cert_request=True).build())
    http = urllib.request.Request(url, data=req.as_bytes(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query",
                                           "Accept": "application/timestamp-reply"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as resp:
            body = resp.read(1 << 20)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"timestamp authority {url} did not answer: "
                             f"{getattr(exc, 'reason', None) or exc}") from exc
    problem = check_token(body, data, nonce=req.nonce)
    if problem:
        raise TimestampError(f"timestamp authority {url}: {problem}")
    return body


def check_token(reply: bytes, data: bytes, *, nonce: int | None = None) -> str:
    """'' if ``reply`` is a granted TimeStampResp whose imprint is SHA-256 of
    ``data`` (and whose nonce matches, when given); else what is wrong.
    The TSA's certificate chain is checked against a CA by ``verify_chain``."""
    try:
        resp = decode_timestamp_response(reply)
    except Exception as exc:  # the parser's errors are of several types
        return f"not an RFC 3161 timestamp reply ({exc})"
    if resp.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        return f"request refused (status {resp.status}: {' '.join(resp.status_string or [])})"
    info = resp.tst_info
    if info.message_imprint.message != hashlib.sha256(data).digest():
        return "the token covers other data than evidence/manifest.json"
    if nonce is not None and info.nonce != nonce:
        return "the token's nonce is not the request's"
    return ""


def gen_time(reply: bytes) -> str:
    return decode_timestamp_response(reply).tst_info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_chain(reply: bytes, data: bytes, ca_pem: bytes) -> str:
    """'' if the token's signature verifies up to the CA certificate(s) in ``ca_pem``."""
    import cryptography.x509
    from rfc3161_client import VerificationError, VerifierBuilder
    try:
        builder = VerifierBuilder()
        for cert in cryptography.x509.load_pem_x509_certificates(ca_pem):
            builder = builder.add_root_certificate(cert)
        builder.build().verify_message(decode_timestamp_response(reply), data)
        return ""
    except (VerificationError, ValueError) as exc:
        return f"the token does not verify against the given CA: {exc}"
