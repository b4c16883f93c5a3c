"""Pilotage: coverage and activity, quarterly open data, exports and the impact simulator (issue 24).

Reads every context below it, read-only (ARCHITECTURE.md); writes only its own records (published quarters,
simulations).
"""
