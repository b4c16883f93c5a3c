from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "solidarite.config"
    label = "config"
    verbose_name = "Configuration de la plateforme"
