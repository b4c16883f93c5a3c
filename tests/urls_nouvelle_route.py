"""The platform's URLs plus one route that the authorisation matrix does not know (tests/test_matrice_acces.py)."""

from django.http import HttpResponse
from django.urls import include, path

from solidarite.config.urls import urlpatterns as platform

urlpatterns = [
    *platform,
    path(
        "nouvelle/", include(([path("route/", lambda request: HttpResponse("ok"), name="route")], "nouvelle"))
    ),
]
