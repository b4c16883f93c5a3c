from django.urls import path

from solidarite.annuaire import views

app_name = "annuaire"
urlpatterns = [path("inscription/", views.inscription, name="inscription")]
