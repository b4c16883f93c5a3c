"""The access log: every read or change of a patient's data, who, what, when — never the data itself.

Append-only and independent of the rows it describes (issue 18, point 6): the object is kept as plain values
(`objet_type`, `objet_id`), the actor as their account's id and a snapshot of their username and role, so that
deleting an appointment, a waitlist entry or an account keeps its trace. The ORM refuses to change or delete a
row; a trigger refuses a raw UPDATE too (migrations 0006, 0015), and a raw DELETE on PostgreSQL. `purge_audit` is
the only way to delete: rows older than a cutoff, for the log's own retention period.

Callers write `record(obj, action, canal, par=user)`, or as before `AccesDonnees.objects.create(rendez_vous=rdv,
…)` / `AccesDonnees(inscription=…, par=user, …)` and `.filter(rendez_vous=rdv)`: those words are translated to
the object's type and id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, models, transaction

RENDEZ_VOUS = "rdv.rendezvous"
INSCRIPTION = "rdv.inscriptionattente"
# The words of the callers (the former foreign keys) -> the type they name.
LEGACY = {"rendez_vous": RENDEZ_VOUS, "inscription": INSCRIPTION}
PURGE_SETTING = "solidarite.purge_audit_avant"
REFUSED = (
    "Le journal des accès aux données ne se modifie pas et ne s'efface pas : seule purge_audit en supprime "
    "les lignes plus anciennes que sa durée de conservation."
)


class AppendOnlyError(Exception):
    pass


def _translated(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`rendez_vous=obj`, `rendez_vous_id=pk`, `inscription…` -> `objet_type`, `objet_id` (a None is ignored)."""
    for word, kind in LEGACY.items():
        for name in (word, f"{word}_id"):
            if name in kwargs:
                value = kwargs.pop(name)
                if value is not None:
                    kwargs["objet_type"], kwargs["objet_id"] = kind, getattr(value, "pk", value)
    return kwargs


class AccesDonneesQuerySet(models.QuerySet["AccesDonnees"]):
    def filter(self, *args: Any, **kwargs: Any) -> AccesDonneesQuerySet:
        return super().filter(*args, **_translated(kwargs))

    def exclude(self, *args: Any, **kwargs: Any) -> AccesDonneesQuerySet:
        return super().exclude(*args, **_translated(kwargs))

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(REFUSED)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(REFUSED)

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(REFUSED)

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(REFUSED)


def role_of(user: Any) -> str:
    """The actor's role when the row is written (a snapshot: it stays true of that moment), by the permission
    model's own rules (territoire.acces, annuaire.acces: decision 0006)."""
    cached = getattr(user, "_role_audit", None)
    if cached is not None:
        return str(cached)
    from solidarite.annuaire.acces import referent_lieu_ids, validated_medecin
    from solidarite.territoire.acces import ars_agent, is_national_admin

    if is_national_admin(user):
        role = "administration nationale"
    elif ars_agent(user) is not None:
        role = "agent ARS"
    elif validated_medecin(user) is not None:
        role = "médecin volontaire"
    elif referent_lieu_ids(user):
        role = "référent de lieu"
    elif user.is_staff:
        role = "équipe (back-office)"
    else:
        role = "compte"
    user._role_audit = role
    return role


class AccesDonnees(models.Model):
    """Every read or change of a patient's data: who, what, when (never the data itself). Append-only."""

    objet_type = models.CharField("type de l'objet", max_length=40, help_text="rdv.rendezvous…")
    objet_id = models.BigIntegerField("identifiant de l'objet")
    action = models.CharField("action", max_length=40)
    par_id = models.IntegerField("compte (identifiant)", null=True, blank=True)
    par_nom = models.CharField("compte (nom d'utilisateur à ce moment)", max_length=150, blank=True)
    par_role = models.CharField("rôle à ce moment", max_length=40, blank=True)
    canal = models.CharField("canal", max_length=40, help_text="back-office, lien signé, API…")
    le = models.DateTimeField("le", auto_now_add=True)

    objects = AccesDonneesQuerySet.as_manager()

    class Meta:
        app_label = "rdv"
        verbose_name = "accès aux données d'un patient"
        verbose_name_plural = "accès aux données des patients"
        ordering = ["-le"]
        indexes = [
            models.Index(fields=["objet_type", "objet_id"], name="acces_objet"),
            models.Index(fields=["le"], name="acces_date"),  # the purge
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        user = kwargs.pop("par", None)
        objet = kwargs.pop("objet", None)
        super().__init__(*args, **_translated(kwargs))
        if objet is not None:
            self.objet_type, self.objet_id = objet._meta.label_lower, objet.pk
        if user is not None and user.is_authenticated:  # anonymous: the channel says who (lien signé, API…)
            self.par_id, self.par_nom, self.par_role = user.pk, user.get_username(), role_of(user)

    def __str__(self) -> str:
        return f"{self.action} — {self.objet_type} {self.objet_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(REFUSED)

    @property
    def rendez_vous_id(self) -> int | None:
        return self.objet_id if self.objet_type == RENDEZ_VOUS else None

    @property
    def inscription_id(self) -> int | None:
        return self.objet_id if self.objet_type == INSCRIPTION else None


def record(objet: models.Model, action: str, canal: str, par: Any = None) -> AccesDonnees:
    """Writes one row of the log about `objet` (an appointment, a waitlist entry…)."""
    return AccesDonnees.objects.create(objet=objet, action=action, canal=canal, par=par)


def purge_audit(before: dt.datetime) -> int:
    """Deletes the rows older than `before` (the log's own retention period); returns how many. The only way to
    delete: on PostgreSQL the trigger lets a DELETE through only in a transaction that set
    `solidarite.purge_audit_avant`, and only for rows older than it."""
    if before.tzinfo is None or before.utcoffset() is None:
        raise ValueError("purge_audit : une date avec son fuseau horaire est attendue.")
    table = AccesDonnees._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, before.isoformat()])
        cursor.execute(
            f"DELETE FROM {table} WHERE le < %s", [connection.ops.adapt_datetimefield_value(before)]
        )
        return int(cursor.rowcount)
