from django.urls import path, re_path

from solidarite.interop import fhir_views as v

app_name = "fhir"
urlpatterns = [
    path("Location", v.location_search, name="location"),
    path("Location/<str:pk>", v.location_read, name="location_read"),
    path("Schedule", v.schedule_search, name="schedule"),
    path("Schedule/<str:pk>", v.schedule_read, name="schedule_read"),
    path("Slot", v.slot_search, name="slot"),
    path("Appointment", v.appointment_search, name="appointment"),
    re_path(r"^(?P<rest>.*)$", v.not_found),
]
