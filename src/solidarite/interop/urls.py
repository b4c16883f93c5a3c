from django.urls import path, re_path

from solidarite.interop import fhir_views as v

app_name = "fhir"
urlpatterns = [
    path("Location", v.location_search, name="location"),
    path("Location/<str:pk>", v.location_read, name="location_read"),
    path("Schedule", v.schedule_search, name="schedule"),
    path("Schedule/<str:pk>", v.schedule_read, name="schedule_read"),
    path("Slot", v.slot_search, name="slot"),
    path("Slot/<str:pk>", v.slot_read, name="slot_read"),
    path("Appointment", v.appointment_search, name="appointment"),
    path("Appointment/<str:pk>", v.appointment_read, name="appointment_read"),
    path("metadata", v.metadata, name="metadata"),
    re_path(r"^(?P<rest>.*)$", v.not_found),
]
