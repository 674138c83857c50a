"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is quiet.

With CONN_HEALTH_CHECKS, Django asks the server `SELECT 1` before the first query of every request: a
round trip on every hot path. PostgreSQL says goodbye when it drops a connection (a restart, a
terminated backend, an idle timeout: an error message, then the socket closes), so an idle connection
on which nothing has arrived since its last answer is still open. Only when something did arrive —
that goodbye, or a notice — is the server asked as before.

Also: the query log shows a prepared statement's text with its values (psycopg sends one by name).
"""

import select
from typing import Any

from django.db.backends.postgresql import base, operations
from psycopg import errors, pq


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        executed: str | None = super().last_executed_query(cursor, sql, params)
        if executed is None:
            # A prepared statement travels by name: log it with its values, as any other statement.
            try:
                executed = str(self.compose_sql(sql, params))
            except errors.DataError:
                executed = sql
        return executed


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                arrived, _, _ = select.select([connection.fileno()], [], [], 0)
            except (OSError, ValueError):
                return False
            if not arrived:
                return True
        return bool(super().is_usable())
