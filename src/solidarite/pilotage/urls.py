from django.urls import URLPattern, path

from solidarite.pilotage import simulation_views, views
from solidarite.web import chemins  # noqa: F401  (registers the path converter <identifiant:…>)

app_name = "pilotage"
urlpatterns: list[URLPattern] = []

# Tableau de bord et données ouvertes (docs/decisions/0018)
urlpatterns += [
    path("", views.tableau, name="tableau"),
    path("zones.geojson", views.zones_geojson, name="zones_geojson"),
    path("export/<str:niveau>.<str:format>", views.export, name="export"),
    path("gestion/", views.gestion, name="gestion"),
    path("gestion/export/<str:niveau>.<str:format>", views.gestion_export, name="gestion_export"),
    path("donnees-ouvertes/", views.donnees_ouvertes, name="donnees_ouvertes"),
    path("donnees-ouvertes/schema.json", views.donnees_ouvertes_schema, name="donnees_ouvertes_schema"),
    path(
        "donnees-ouvertes/<str:trimestre>/v<identifiant:version>.csv",
        views.donnees_ouvertes_csv,
        name="donnees_ouvertes_csv",
    ),
    path("donnees-ouvertes/publier/", views.publier, name="publier"),
]

# Simulations (docs/decisions/0019)
urlpatterns += [
    path("simulations/", simulation_views.simulations, name="simulations"),
    path("simulations/<identifiant:pk>/", simulation_views.simulation, name="simulation"),
    path(
        "simulations/<identifiant:pk>/progres/",
        simulation_views.simulation_progres,
        name="simulation_progres",
    ),
    path(
        "simulations/<identifiant:pk>/annuler/",
        simulation_views.simulation_annuler,
        name="simulation_annuler",
    ),
    path(
        "simulations/<identifiant:pk>/apl.geojson",
        simulation_views.simulation_geojson,
        name="simulation_geojson",
    ),
]
