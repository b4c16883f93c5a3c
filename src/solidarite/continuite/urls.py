from django.urls import path

from solidarite.web import chemins  # noqa: F401  (registers the path converter <identifiant:…>)

from . import views

app_name = "continuite"
urlpatterns = [
    path("consultation/<identifiant:rendez_vous>/", views.consultation, name="consultation"),
    path("journee/<identifiant:mission>/", views.journee, name="journee"),
    path("resultat/<identifiant:pk>/", views.resultat, name="resultat"),
    path("lieu/<identifiant:pk>/", views.lieu, name="lieu"),
    path("lieu/<identifiant:pk>/rapprochements/", views.rapprochements, name="rapprochements"),
    path(
        "consultation/<identifiant:rendez_vous>/medecin-traitant/",
        views.declarer_medecin_traitant,
        name="declarer_medecin_traitant",
    ),
    path("medecin-traitant/", views.medecin_traitant, name="medecin_traitant"),
    path("ars/", views.ars, name="ars"),
    path("transmission/<identifiant:pk>/lettre/", views.lettre, name="lettre"),
    path("transmission/<identifiant:pk>/fhir/", views.fhir, name="fhir"),
    path("mes-acces/", views.mes_acces_franceconnect, name="mes_acces_franceconnect"),
    path("mes-acces/<str:jeton>/", views.mes_acces, name="mes_acces"),
]
