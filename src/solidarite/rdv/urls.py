from django.urls import path

from solidarite.planning.views import old_token_link
from solidarite.rdv import views, views_pro
from solidarite.web import chemins  # noqa: F401  (registers the path converter <identifiant:…>)

app_name = "rdv"
urlpatterns = [
    path("", views.recherche, name="recherche"),
    path("lieu/<identifiant:pk>/", views.lieu, name="lieu"),
    path("lieu/<identifiant:pk>/attente/", views.attente_inscription, name="attente_inscription"),
    path("attente/tout/<str:jeton>/", views.attente_retrait_tout, name="attente_retrait_tout"),
    path("attente/<str:jeton>/", views.attente_retrait, name="attente_retrait"),
    path("attente/<str:jeton>/lien/", views.attente_lien_tout, name="attente_lien_tout"),
    path("creneau/<str:creneau>/", views.reserver, name="reserver"),
    path("gerer/<str:jeton>/", views.gerer, name="gerer"),
    path("gerer/<str:jeton>/deplacer/<str:creneau>/", views.deplacer, name="deplacer"),
    path("journee/<identifiant:mission>/", views_pro.journee_medecin, name="journee_medecin"),
    # The former token address of the day's list (before decision 0006): 404, sign in instead.
    path("journee/<str:token>/<identifiant:mission>/", old_token_link, name="ancienne_journee"),
    path("ars/journee/<identifiant:mission>/", views_pro.journee_ars, name="journee_ars"),
    path("ars/absences/", views_pro.absences, name="absences"),
]
