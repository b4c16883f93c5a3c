from django.apps import AppConfig


class AnnuaireConfig(AppConfig):
    name = "solidarite.annuaire"
    label = "annuaire"
    verbose_name = "Annuaire"
