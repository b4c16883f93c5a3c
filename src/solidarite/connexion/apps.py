from django.apps import AppConfig


class ConnexionConfig(AppConfig):
    name = "solidarite.connexion"
    label = "connexion"
    verbose_name = "Connexion"
