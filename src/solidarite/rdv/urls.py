from django.urls import path

from solidarite.rdv import views, views_pro

app_name = "rdv"
urlpatterns = [
    path("", views.recherche, name="recherche"),
    path("lieu/<int:pk>/", views.lieu, name="lieu"),
    path("lieu/<int:pk>/attente/", views.attente_inscription, name="attente_inscription"),
    path("attente/<str:jeton>/", views.attente_retrait, name="attente_retrait"),
    path("creneau/<str:creneau>/", views.reserver, name="reserver"),
    path("gerer/<str:jeton>/", views.gerer, name="gerer"),
    path("gerer/<str:jeton>/deplacer/<str:creneau>/", views.deplacer, name="deplacer"),
    path("journee/<str:token>/<int:mission>/", views_pro.journee_medecin, name="journee_medecin"),
    path("ars/journee/<int:mission>/", views_pro.journee_ars, name="journee_ars"),
    path("ars/absences/", views_pro.absences, name="absences"),
]
