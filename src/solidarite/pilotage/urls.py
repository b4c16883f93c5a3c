from django.urls import URLPattern, path

from solidarite.pilotage import simulation_views

app_name = "pilotage"
urlpatterns: list[URLPattern] = []

# Simulations (docs/decisions/0019)
urlpatterns += [
    path("simulations/", simulation_views.simulations, name="simulations"),
    path("simulations/<int:pk>/", simulation_views.simulation, name="simulation"),
    path("simulations/<int:pk>/progres/", simulation_views.simulation_progres, name="simulation_progres"),
    path("simulations/<int:pk>/annuler/", simulation_views.simulation_annuler, name="simulation_annuler"),
    path("simulations/<int:pk>/apl.geojson", simulation_views.simulation_geojson, name="simulation_geojson"),
]
