"""Back-office helpers for every context: the ARS agent sees and edits only their region."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest


def region_scoped(request: HttpRequest, queryset: QuerySet[Any], region_path: str) -> QuerySet[Any]:
    """The ministry (superuser) sees everything; an ARS agent, the rows of their region; others nothing."""
    if request.user.is_superuser:
        return queryset
    agent = getattr(request.user, "agent_ars", None)
    return queryset.filter(**{region_path: agent.region}) if agent else queryset.none()


class UserFormMixin:
    """Admin mixin: the form receives the request's user (`user=`), so it can check the ARS's rights."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]

        class WithUser(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=request.user, **inner)

        return WithUser
