from django.apps import AppConfig


class TerritoireConfig(AppConfig):
    name = "solidarite.territoire"
    label = "territoire"
    verbose_name = "Territoire"
