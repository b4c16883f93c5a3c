"""Two requests at once, in tests: each action in its own thread and database connection (as two workers)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections


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
