"""The access log describes its object by plain values, step 2 of 3 (data only): each row's appointment or waitlist
entry copied to (objet_type, objet_id), its account's username and role copied beside its id. Backwards: the
foreign keys filled again from those values, where the object and the account still exist."""

from typing import Any

from django.db import migrations
from django.db.models import F

RENDEZ_VOUS, INSCRIPTION = "rdv.rendezvous", "rdv.inscriptionattente"


def _role(user: Any) -> str:
    """As rdv.audit.role_of, on the historical models."""
    if user.is_superuser:
        return "administration nationale"
    for accessor, role in (("agent_ars", "agent ARS"), ("medecin", "médecin volontaire")):
        try:
            if getattr(user, accessor, None) is not None:
                return role
        except Exception:  # the relation is not in the historical state
            pass
    return "équipe (back-office)" if user.is_staff else "compte"


def forwards(apps: Any, schema_editor: Any) -> None:
    AccesDonnees = apps.get_model("rdv", "AccesDonnees")
    rows = AccesDonnees.objects.select_related("par").order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        if row.rendez_vous_id is not None:
            row.objet_type, row.objet_id = RENDEZ_VOUS, row.rendez_vous_id
        elif row.inscription_id is not None:
            row.objet_type, row.objet_id = INSCRIPTION, row.inscription_id
        if row.par is not None:
            row.par_nom, row.par_role = row.par.username, _role(row.par)
        row.save(update_fields=["objet_type", "objet_id", "par_nom", "par_role"])


def backwards(apps: Any, schema_editor: Any) -> None:
    AccesDonnees = apps.get_model("rdv", "AccesDonnees")
    RendezVous = apps.get_model("rdv", "RendezVous")
    InscriptionAttente = apps.get_model("rdv", "InscriptionAttente")
    for kind, model, field in ((RENDEZ_VOUS, RendezVous, "rendez_vous_id"), (INSCRIPTION, InscriptionAttente, "inscription_id")):  # fmt: skip
        existing = model.objects.values_list("pk", flat=True)
        AccesDonnees.objects.filter(objet_type=kind, objet_id__in=existing).update(**{field: F("objet_id")})


class Migration(migrations.Migration):
    dependencies = [("rdv", "0004_acces_donnees_objet")]

    operations = [migrations.RunPython(forwards, backwards)]
