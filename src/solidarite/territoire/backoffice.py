"""Back-office helpers for every context: the ARS agent sees and edits only their region (territoire.acces)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from solidarite.territoire import acces


class RegionScopedAdmin:
    """Admin mixin: the change list, change, delete and history views show only the rows of the user's region
    (`region_paths`: where the region is, from the model); a row of another region answers 404, as if it did not
    exist (Django's admin would redirect to its index with "perhaps it was deleted", a 302)."""

    region_paths: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return acces.scope(request.user, super().get_queryset(request), *self.region_paths)  # type: ignore[misc]

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        raise acces.OutOfScopeError()


class UserFormMixin:
    """Admin mixin: the form receives the request's user (`user=`), so it can check the ARS's rights."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]

        class WithUser(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=request.user, **inner)

        return WithUser
