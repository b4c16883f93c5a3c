from django.apps import AppConfig


class IndemnisationConfig(AppConfig):
    name = "solidarite.indemnisation"
    label = "indemnisation"
    verbose_name = "Indemnisation des médecins volontaires"

    def ready(self) -> None:
        from solidarite.indemnisation import receivers  # noqa: F401  (the other contexts' events)
