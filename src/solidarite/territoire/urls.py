from django.urls import path

from solidarite.territoire import views

app_name = "territoire"
urlpatterns = [
    path("", views.recherche, name="recherche"),
    path("<str:code_insee>/", views.detail, name="commune"),
]
