from django.urls import path

from solidarite.indemnisation import views

app_name = "indemnisation"
urlpatterns = [
    path("medecin/", views.medecin, name="medecin"),
    path("medecin/releve/<int:pk>.pdf", views.releve_pdf, name="releve_pdf"),
    path("jours/", views.jours, name="jours"),
    path("jours/<int:pk>/", views.confirmer, name="confirmer"),
    path("ars/", views.ars, name="ars"),
    path("ars/calcul/", views.ars_calcul, name="ars_calcul"),
    path("ars/export/", views.export, name="export"),
    path("national/", views.national, name="national"),
    path("schema-cpam.json", views.schema, name="schema"),
]
