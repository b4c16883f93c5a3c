from django.urls import path

from solidarite.planning import views

app_name = "planning"
urlpatterns = [
    path("ars/", views.ars, name="ars"),
    path("medecin/<str:token>/disponibilites/", views.disponibilites, name="disponibilites"),
    path("medecin/<str:token>/missions/", views.missions, name="missions"),
    path("medecin/<str:token>/missions.ics", views.missions_feed, name="missions_ics"),
]
