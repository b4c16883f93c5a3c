"""Back-office helpers for every context: the ARS agent sees and edits only their region (territoire.acces)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.admin.utils import NestedObjects
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, router
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from solidarite.territoire import acces
from solidarite.web.champs import Entier


class RegionScopedAdmin:
    """Admin mixin: the change list, change, delete and history views show only the rows of the user's region
    (`region_paths`: where the region is, from the model); a row of another region answers 404, as if it did not
    exist (Django's admin would redirect to its index with "perhaps it was deleted", a 302)."""

    region_paths: tuple[str, ...] = ()
    # A count typed in the back office (days a month, rooms, minutes), in its one form (web.entrees, decision 0004
    # point 11): Django's IntegerField took « +2 », « ٢ », « 2.0 » and « ␣2 » as 2.
    formfield_overrides = {models.IntegerField: {"form_class": Entier}}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        """The form refuses a row that would leave the agent's region once saved: opening a row of one's region
        is not enough (the volunteer's département, the agent's own region were free selects of every region)."""
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        paths = self.region_paths

        class StaysInRegion(form_class):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                own = acces.region_of(request.user)
                regions = [r for r in (_region_at(self.instance, p) for p in paths) if r is not None]
                if own is not None and regions and all(r.pk != own.pk for r in regions):
                    self.add_error(None, out_of_region(own, regions[0]))

        return StaysInRegion

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return acces.scope(request.user, super().get_queryset(request), *self.region_paths)  # type: ignore[misc]

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        raise acces.OutOfScopeError()

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A deletion that would reach rows of another region (a volunteer's days, draft assignments or statements
        there: volunteers are planned nationally) is refused to the ARS agent, and none of those rows is listed:
        the page named them (lieu, day) and the cascade deleted another region's draft plan. Django's delete
        view and action delete nothing while `protected` is not empty."""
        own = acces.region_of(request.user)
        if own is not None and reaches_other_region(objs, own):
            return [], {}, set(), [OTHER_REGION_ROWS]
        return super().get_deleted_objects(objs, request)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = AutocompleteSur(db_field, self.admin_site, using=kwargs.get("using"))  # type: ignore[attr-defined]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


OTHER_REGION_ROWS = (
    "des données d'une autre région que la vôtre (journées, affectations ou relevés de ce médecin) : "
    "seul le ministère peut supprimer cette fiche."
)
# Where the region of a row reached by a deletion may be (every path that applies to its model is read).
ROW_REGION_PATHS = (
    "region",
    "cdom__region",
    "run__region",
    "lieu__commune__departement__region",
    "mission__lieu__commune__departement__region",
    "rendez_vous__lieu__commune__departement__region",
    "inscription__lieu__commune__departement__region",
    "releve__region",
)


def reaches_other_region(objs: Any, region: Any) -> bool:
    """Whether deleting `objs` (rows of `region`, already in the agent's scope) would delete, or is protected by,
    a row of another region: one query per model reached, the rows it collects as Django's admin does."""
    chosen = list(objs)
    if not chosen:
        return False
    collector = NestedObjects(using=router.db_for_write(type(chosen[0])))
    collector.collect(chosen)
    reached: dict[Any, set[Any]] = defaultdict(set)
    for model, rows in collector.model_objs.items():
        reached[model] |= {row.pk for row in rows}
    for row in collector.protected:
        reached[type(row)].add(row.pk)
    for obj in chosen:
        reached[type(obj)].discard(obj.pk)
    for model, pks in reached.items():
        fields = {f.name for f in model._meta.get_fields()}
        elsewhere = Q(pk__in=[])
        for path in ROW_REGION_PATHS:
            if path.split("__")[0] in fields:
                elsewhere |= Q(**{f"{path}__isnull": False}) & ~Q(**{path: region})
        if pks and model._base_manager.filter(elsewhere, pk__in=pks).exists():
            return True
    return False


def out_of_region(own: Any, other: Any) -> str:
    return (
        f"Cette fiche relèverait de la région {other.nom}, hors de votre région ({own.nom}) : "
        "seule l'ARS de cette région, ou le ministère, peut l'y rattacher."
    )


def _region_at(instance: Any, path: str) -> Any:
    """The region reached from the (unsaved) row along `path` (« cdom__region »), or None if a step is empty."""
    current = instance
    for step in path.split("__"):
        try:
            current = getattr(current, step)
        except ObjectDoesNotExist:
            return None
        if current is None:
            return None
    return current


class AutocompleteSur(AutocompleteSelect):
    """Django's autocomplete widget, re-displaying a refused value (`?epci=abc`, an id beyond 64 bits) without
    querying it: Django filtered on it as it drew the form again, a ValueError or OverflowError, so a 500 where
    the form should say « Sélectionnez un choix valide »."""

    def optgroups(self, name: str, value: Any, attrs: Any = None) -> Any:
        target = self.field.target_field
        kept = []
        for item in value:
            try:
                prepared = target.get_prep_value(target.to_python(item))
            except (ValidationError, ValueError, TypeError):
                continue
            if isinstance(prepared, int) and not -(2**63) <= prepared < 2**63:
                continue
            kept.append(item)
        return super().optgroups(name, kept, attrs)


class UserFormMixin:
    """Admin mixin: the form receives the request's user (`user=`), so it can check the ARS's rights."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]

        class WithUser(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, user=request.user, **inner)

        return WithUser
