"""A territory not loaded yet, for the tests of what a process keeps (positions, spelling index)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from solidarite.territoire.models import Commune


@contextmanager
def sans_communes() -> Iterator[None]:
    """No commune inside the block, as before `load_territoire`; they are put back after it, before the test's
    foreign key check."""
    table = Commune._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE communes_gardees AS SELECT * FROM {table}")
        cursor.execute(f"DELETE FROM {table}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} SELECT * FROM communes_gardees")
            cursor.execute("DROP TABLE communes_gardees")
