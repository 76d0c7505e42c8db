"""Test servers. The FerretDB launcher lives in ``patrol.devserver`` so that
benchmarks and demos can start the same server; it is re-exported here."""

from patrol.devserver import DevServerError, ferretdb_binary, ferretdb_server  # noqa: F401
