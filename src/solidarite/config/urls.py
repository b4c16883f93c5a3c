from django.contrib import admin
from django.urls import include, path

from solidarite.config import pages_legales, views
from solidarite.config.middleware import API_PREFIX
from solidarite.interop.api import api

admin.autodiscover()  # the admin modules, with the URLs only (config/apps.AdminALaDemande)
admin.site.site_header = "Solidarité territoriale — administration"
admin.site.site_title = "Solidarité territoriale"
admin.site.index_title = "Back-office des ARS et du ministère"

# The API first: Django tries the prefixes in order, and each of the three requests of a booking went through
# seven page prefixes before reaching it (30 → 19 µs to resolve an API path; +3 µs for /healthz).
urlpatterns = [
    path(API_PREFIX.lstrip("/"), api.urls),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("donnees-personnelles/", pages_legales.donnees_personnelles, name="donnees_personnelles"),
    path("mentions-legales/", pages_legales.mentions_legales, name="mentions_legales"),
    path("accessibilite/", pages_legales.accessibilite, name="accessibilite"),
    path("communes/", include("solidarite.territoire.urls")),
    path("zonage/", include("solidarite.zonage.urls")),
    path("medecins/", include("solidarite.annuaire.urls")),
    path("rendez-vous/", include("solidarite.rdv.urls")),
    path("planning/", include("solidarite.planning.urls")),
    path("fhir/", include("solidarite.interop.urls")),
    path("connexion/", include("solidarite.connexion.urls")),
    path("indemnisation/", include("solidarite.indemnisation.urls")),
    path("continuite/", include("solidarite.continuite.urls")),  # issue 20
    path("pilotage/", include("solidarite.pilotage.urls")),  # issue 24
    path("admin/", admin.site.urls),
]

handler400 = "solidarite.config.views.bad_request"
handler403 = "solidarite.config.views.permission_denied"
handler404 = "solidarite.config.views.page_not_found"
handler500 = "solidarite.config.views.server_error"
