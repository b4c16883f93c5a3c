from django.urls import path

from . import views

app_name = "continuite"
urlpatterns = [
    path("consultation/<int:rendez_vous>/", views.consultation, name="consultation"),
    path("journee/<int:mission>/", views.journee, name="journee"),
    path("resultat/<int:pk>/", views.resultat, name="resultat"),
    path("lieu/<int:pk>/", views.lieu, name="lieu"),
    path("lieu/<int:pk>/rapprochements/", views.rapprochements, name="rapprochements"),
    path(
        "consultation/<int:rendez_vous>/medecin-traitant/",
        views.declarer_medecin_traitant,
        name="declarer_medecin_traitant",
    ),
    path("medecin-traitant/", views.medecin_traitant, name="medecin_traitant"),
    path("ars/", views.ars, name="ars"),
    path("transmission/<int:pk>/lettre/", views.lettre, name="lettre"),
    path("transmission/<int:pk>/fhir/", views.fhir, name="fhir"),
    path("mes-acces/", views.mes_acces_franceconnect, name="mes_acces_franceconnect"),
    path("mes-acces/<str:jeton>/", views.mes_acces, name="mes_acces"),
]
