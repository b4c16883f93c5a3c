"""Shared web helpers below every context: the French error page and the request limits.

Django only; it imports no context of the platform (the layering of ../shared/ARCHITECTURE.md, checked by
`lint-imports`). The contexts import it; `config`, the composition root, wires it into the URLs and settings.
"""
