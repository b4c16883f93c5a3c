from django.urls import path

from solidarite.rdv import views

app_name = "rdv"
urlpatterns = [
    path("", views.recherche, name="recherche"),
    path("creneau/<str:creneau>/", views.reserver, name="reserver"),
    path("gerer/<str:jeton>/", views.gerer, name="gerer"),
]
