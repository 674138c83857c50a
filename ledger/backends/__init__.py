"""What differs between the databases on the ledger's hot paths, one module per backend.

Each module offers the same nine things: `adapt` (a Python value as the ORM's fields would send it),
`fetch` (one raw statement's rows, prepared where the database keeps plans), `state_row` (a raw
state row as the ORM would read it), `STATE_EVENT_ID` (a state row's event id in SQL, comparable
with the event's stored id), `any_of` (a column matching any of many values, in as few parameters
as the database takes), `attempt` (one try at an append, undone alone on failure), `states_locked`
(a subject's state rows, locked until the transaction ends), `statements_run` (several INSERTs in
as few round trips as the database allows) and `rows_copy` (bulk loading).
"""

from functools import cache
from types import ModuleType

from django.db import connection

from ledger.backends import postgresql, sqlite


@cache
def current() -> ModuleType:
    """Return the module of the database the default connection speaks to (fixed for a process's life).

    Remembered: `connection.vendor` goes through Django's per-context connection lookup, and the write
    path asks several times a choice.
    """
    return postgresql if connection.vendor == "postgresql" else sqlite
