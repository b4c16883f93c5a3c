from django.urls import URLPattern, path

from solidarite.pilotage import views

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
        "donnees-ouvertes/<str:trimestre>/v<int:version>.csv",
        views.donnees_ouvertes_csv,
        name="donnees_ouvertes_csv",
    ),
    path("donnees-ouvertes/publier/", views.publier, name="publier"),
]
