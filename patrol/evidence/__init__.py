"""Evidence of confirmed cases (DESIGN.md, "Where the next parts go").

- ``blobs``: capture files named by their SHA-256 in a directory beside the store.
- ``capture``: one flagged page's exchange as WARC 1.1 records (warcio), plus the
  rendered DOM and the screenshot of a page rendered in Chromium.
- ``chain``: each case's append-only chain (capture → decision → re-checks).
- ``package``/``verify``: the WACZ evidence package and its verification.
- ``signing``/``timestamp``: the office's Ed25519 key; RFC 3161 timestamps.
- ``recheck``: re-checks after a takedown request.
"""
