"""Continuity of care between successive volunteers at a lieu (issue 20): patient identity at the lieu,
transmissions, résultats attendus that always have exactly one owner, letters and FHIR documents."""
