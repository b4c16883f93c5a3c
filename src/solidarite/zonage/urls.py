from django.urls import path

from solidarite.web import chemins  # noqa: F401  (registers the path converter <identifiant:…>)
from solidarite.zonage import views

app_name = "zonage"
urlpatterns = [
    path("", views.carte, name="carte"),
    path("zones.geojson", views.zones_geojson, name="zones_geojson"),
    path("epci/<str:siren>/", views.epci, name="epci"),
    path(
        "gestion/campagnes/<identifiant:a>/<identifiant:b>/",
        views.comparer_campagnes,
        name="comparer_campagnes",
    ),
    path("gestion/listes/<identifiant:pk>/", views.comparer_liste, name="comparer_liste"),
]
