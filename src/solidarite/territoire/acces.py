"""Who may see what: the one region rule of the platform (issue 18, docs/decisions/0006-permissions.md).

Roles: the national admin (superuser: every region), the ARS agent (`AgentArs`: one region), and, built on this
module next to the objects they protect, the volunteer doctor and the lieu référent (`annuaire.acces`,
`planning.acces`). Everything else (a patient's signed link, the calendar feed) is a secret, not a role.

Every view, admin, API, FHIR route and export that shows rows of a region calls `scope` or `get_in_scope`; a
row outside the caller's scope answers 404 (its existence is not revealed), never 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from solidarite.territoire.models import AgentArs, Region

OUT_OF_SCOPE = "Cette page n'existe pas, ou elle n'est pas ouverte à votre compte."
NO_ARS = "Votre compte n'est rattaché à aucune ARS : demandez au ministère de le rattacher à votre région."


class OutOfScopeError(Http404):
    """Out of the caller's scope: a 404 with a French page (the platform's handler404)."""

    def __init__(self, message: str = OUT_OF_SCOPE) -> None:
        super().__init__(message)


def is_national_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def ars_agent(user: Any) -> AgentArs | None:
    """The user's ARS attachment (read once per request object), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_solidarite_agent_ars", False)
    if cached is False:
        cached = AgentArs.objects.select_related("region").filter(user_id=user.pk).first()
        user._solidarite_agent_ars = cached
    return cached


def ars_region(user: Any) -> Region | None:
    """The region of an ARS agent; None for anyone else (the national admin included)."""
    agent = ars_agent(user)
    return agent.region if agent else None


def region_of(user: Any) -> Region | None:
    """For back-office work: None for the national admin (every region), the agent's region, or
    PermissionDenied for an account attached to no ARS."""
    if is_national_admin(user):
        return None
    region = ars_region(user)
    if region is None:
        raise PermissionDenied(NO_ARS)
    return region


def region_filter(user: Any, *region_paths: str) -> Q | None:
    """The condition on rows of the user's region (several paths: any of them); None means every row (the
    national admin); a condition matching nothing for anyone else."""
    if is_national_admin(user):
        return None
    region = ars_region(user)
    if region is None:
        return Q(pk__in=[])
    condition = Q()
    for path in region_paths:
        condition |= Q(**{path: region})
    return condition


def scope(user: Any, queryset: QuerySet[Any], *region_paths: str) -> QuerySet[Any]:
    """The rows the user may see: all for the national admin, their region's for an ARS agent, none otherwise."""
    assert region_paths, "scope() needs the path of the region (e.g. 'lieu__commune__departement__region')"
    condition = region_filter(user, *region_paths)
    if condition is None:
        return queryset
    return queryset.filter(condition).distinct() if len(region_paths) > 1 else queryset.filter(condition)


def get_in_scope(user: Any, queryset: QuerySet[Any], *region_paths: str, **lookup: Any) -> Any:
    """One row in the user's scope, or OutOfScopeError (404): a row of another region looks like no row at all."""
    try:
        return scope(user, queryset, *region_paths).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise OutOfScopeError() from None


def check_region(user: Any, region: Region) -> None:
    """For services: PermissionDenied unless the user is the national admin or an agent of `region`."""
    own = region_of(user)
    if own is not None and own.pk != region.pk:
        raise PermissionDenied(
            f"Vous êtes agent de l'ARS {own.nom} : ce qui relève de {region.nom} ne vous est pas ouvert."
        )
