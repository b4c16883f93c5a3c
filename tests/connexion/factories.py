"""People who may sign in: an ARS agent, a lieu référent (doctors come from tests/annuaire/factories)."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import User

from solidarite.annuaire.models import LieuSolidaire, ReferentLieu
from solidarite.territoire.models import AgentArs, Region

_counter = itertools.count(1)


def agent_ars(region: Region | None = None, **fields: object) -> User:
    k = next(_counter)
    values: dict[str, object] = {"is_staff": True, **fields}
    user = User.objects.create_user(username=f"agent{k}", email=f"agent{k}@ars.sante.fr", **values)  # type: ignore[arg-type]
    AgentArs.objects.create(user=user, region=region or Region.objects.order_by("code").first())
    return user


def referent(lieu: LieuSolidaire, rpps: str, **fields: object) -> ReferentLieu:
    values: dict[str, object] = {
        "nom": "Martin",
        "prenom": "Claude",
        "email": f"ref{next(_counter)}@exemple.fr",
    }
    values.update(fields)
    return ReferentLieu.objects.create(lieu=lieu, rpps=rpps, **values)
