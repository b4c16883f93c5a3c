from django.urls import path

from solidarite.indemnisation import views
from solidarite.web import chemins  # noqa: F401  (registers the path converter <identifiant:…>)

app_name = "indemnisation"
urlpatterns = [
    path("medecin/", views.medecin, name="medecin"),
    path("medecin/releve/<identifiant:pk>.pdf", views.releve_pdf, name="releve_pdf"),
    path("jours/", views.jours, name="jours"),
    path("jours/<identifiant:pk>/", views.confirmer, name="confirmer"),
    path("ars/", views.ars, name="ars"),
    path("ars/calcul/", views.ars_calcul, name="ars_calcul"),
    path("ars/export/", views.export, name="export"),
    path("national/", views.national, name="national"),
    path("schema-cpam.json", views.schema, name="schema"),
]
