from django.urls import path

from solidarite.planning import views

app_name = "planning"
urlpatterns = [
    path("ars/", views.ars, name="ars"),
    path("ars/calcul/", views.ars_calcul, name="ars_calcul"),
    path("medecin/disponibilites/", views.disponibilites, name="disponibilites"),
    path("medecin/missions/", views.missions, name="missions"),
    path("referent/", views.referent, name="referent"),
    path("medecin/<str:token>/missions.ics", views.missions_feed, name="missions_ics"),
    # The former token addresses (before decision 0006): 404 with a French page saying to sign in.
    path("medecin/<str:token>/disponibilites/", views.old_token_link, name="ancien_disponibilites"),
    path("medecin/<str:token>/missions/", views.old_token_link, name="ancien_missions"),
]
