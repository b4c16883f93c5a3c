from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "solidarite.interop"
    label = "interop"
    verbose_name = "Interopérabilité"
