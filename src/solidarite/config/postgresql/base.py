"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

With persistent connections, Django checks a connection before each request's first query
(CONN_HEALTH_CHECKS) by running `SELECT 1`: one round trip and one statement per request, a measurable
share of the booking path (docs/decisions/0013-architecture-performance.md, point 3). A connection that the server has closed —
a restart, a shutdown, `pg_terminate_backend` — has something to read while it is idle: the server's last
message (FATAL 57P01), or the end of the stream. So between two requests, a connection with nothing to read
is usable without asking; one with something to read gets Django's own check, which decides.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        try:
            poller = select.poll()  # not select.select: no limit on the descriptor's number
            poller.register(raw.fileno(), select.POLLIN)
            pending = poller.poll(0)
        except (OSError, ValueError):
            return False
        return not pending or bool(super().is_usable())
