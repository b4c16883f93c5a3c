from django.apps import AppConfig


class ZonageConfig(AppConfig):
    name = "solidarite.zonage"
    label = "zonage"
    verbose_name = "Zonage"
