from django.urls import URLPattern

app_name = "pilotage"
urlpatterns: list[URLPattern] = []
