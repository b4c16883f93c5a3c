from django.apps import AppConfig


class ContinuiteConfig(AppConfig):
    name = "solidarite.continuite"
    label = "continuite"
    verbose_name = "Continuité des soins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from solidarite.continuite import receivers  # noqa: F401  (the other contexts' events)
