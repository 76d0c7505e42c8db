"""Test servers. The FerretDB launcher lives in ``patrol.devserver`` so that
benchmarks and demos can start the same server; it is re-exported here."""

from patrol.devserver import DevServerError, ferretdb_binary, ferretdb_server  # noqa: F401
from patrol.devredis import DevRedisError, RedisServer, redis_binary  # noqa: F401,E402  (the shared frontier's Redis)
