from django.apps import AppConfig


class RdvConfig(AppConfig):
    name = "solidarite.rdv"
    label = "rdv"
    verbose_name = "Rendez-vous"
