"""Quarterly indicators per département as open data (issue 24, point 2): the Table Schema, the CSV of a quarter,
and its publication, never rewritten (a correction is a new version, with its reason). docs/decisions/0018."""
