"""The pilotage context's own records."""
