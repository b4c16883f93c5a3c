"""Sent by the booking pages, for the contexts downstream that follow an appointment (connexion: a patient signed
in with FranceConnect finds it on « Mes rendez-vous »). rdv imports none of them."""

from django.dispatch import Signal

# Sent with request=, rendez_vous= once a booking (or the new appointment of a move) is written.
rendez_vous_pris = Signal()
