"""Template filters of the impact simulator's pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pourcent(value: float | None, decimals: int = 1) -> str:
    """A share (0–1) as a French percentage: 0.1874 → « 18,7 % »."""
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(decimals)}f}".replace(".", ",") + "\u00a0%"
