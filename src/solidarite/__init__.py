"""Solidarité territoriale — la plateforme de la mission « Un médecin près de chez vous »."""
