"""Users of the back office: the ministry (superuser) and ARS agents of a region."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User

from solidarite.territoire.models import AgentArs, Region

ARS_PERMISSIONS = [
    "add_ajustement",
    "view_ajustement",
    "delete_ajustement",
    "view_campagne",
    "view_resultatepci",
    "view_epci",
]


def agent_ars(region_code: str, username: str | None = None) -> User:
    user = User.objects.create_user(
        username or f"ars-{region_code}", password="mot-de-passe-solide-123", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=ARS_PERMISSIONS))
    AgentArs.objects.create(user=user, region=Region.objects.get(code=region_code))
    return user
