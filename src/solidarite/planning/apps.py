from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "solidarite.planning"
    label = "planning"
    verbose_name = "Planning"
