from django.apps import AppConfig


class PilotageConfig(AppConfig):
    name = "solidarite.pilotage"
    label = "pilotage"
    verbose_name = "Pilotage de la mission"
