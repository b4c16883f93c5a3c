"""Two requests at once, in tests: each action in its own thread and database connection (as two workers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction


def ensemble(*actions: Callable[[], Any]) -> None:
    """Runs the actions in threads of their own, each closing its connections, and waits for all of them."""

    def closing(action: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                action()
            finally:
                connections.close_all()

        return run

    threads = [threading.Thread(target=closing(action)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def en_meme_temps(action: Callable[[], Any], fois: int = 2) -> list[str]:
    """`action` started `fois` times at once; the outcomes, sorted: « ok », the French refusal (ValidationError),
    or the class and text of any other exception (what a page would have turned into a 500)."""
    start = threading.Barrier(fois)
    outcomes: list[str] = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            action()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")

    ensemble(*[run] * fois)
    return sorted(outcomes)


def un_autre_attend(secondes: float = 10.0) -> bool:
    """Called inside a transaction holding locks: whether another connection of the test database comes to wait on a
    lock (a row's) within `secondes`. PostgreSQL says so (pg_locks, live; pg_stat_activity, read afresh each time);
    SQLite queues writers on the database lock, invisibly: one second's pause, then True."""
    if connection.vendor != "postgresql":
        time.sleep(1.0)
        return True
    fin = time.monotonic() + secondes
    with connection.cursor() as cursor:
        while time.monotonic() < fin:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid())"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def pendant(
    tenu: Callable[[], Any], nom_tenu: str, autre: Callable[[], Any], nom_autre: str
) -> tuple[bool, list[str]]:
    """`tenu` done in a transaction left open while `autre` starts in another thread and connection; the transaction
    commits once another connection waits on a lock (`un_autre_attend`). Whether it waited, and the outcomes in the
    order they came: `nom_tenu`, listed before the commit (an `autre` that did not wait comes first), and `nom_autre`,
    or the class and French text of the exception `autre` raised."""
    held = threading.Event()
    outcomes: list[str] = []
    waited: list[bool] = []

    def hold() -> None:
        with transaction.atomic():
            tenu()
            held.set()
            waited.append(un_autre_attend())
            outcomes.append(nom_tenu)

    def other() -> None:
        try:
            held.wait(timeout=30)
            autre()
            outcomes.append(nom_autre)
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")

    ensemble(hold, other)
    return waited == [True], outcomes
