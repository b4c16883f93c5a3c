from django.urls import path

from . import patients, views

app_name = "connexion"
urlpatterns = [
    path("", views.page, name="page"),
    path("deconnexion/", views.deconnexion, name="deconnexion"),
    path("deconnexion/fournisseur/", views.fin_fournisseur, name="fin_fournisseur"),
    path("mes-rendez-vous/", patients.mes_rendez_vous, name="mes_rendez_vous"),
    path("dev/", views.dev, name="dev"),
    path("dev/<str:jeton>/", views.dev_lien, name="dev_lien"),
    path("<str:name>/", views.start, name="start"),
    path("<str:name>/retour/", views.retour, name="retour"),
]
