from django.apps import AppConfig


class IndemnisationConfig(AppConfig):
    name = "solidarite.indemnisation"
    label = "indemnisation"
    verbose_name = "Indemnisation des médecins volontaires"
