"""What the platform's command-line jobs share with Django's management commands."""

from __future__ import annotations

from django.core.checks import Tags

# Django runs its system checks before a command. Those tagged `urls` read the whole URL configuration, hence
# import every view of the platform: 1.6 s of a 2.5 s start. A job that serves no page (the zonage, the planning,
# a demo, the purge) skips them, and those of the admin, which import every `admin.py` (config/apps.py); `check`, the
# server and the test suite run them.
CONTROLES_SANS_URLS: list[str] = sorted(
    value
    for name, value in vars(Tags).items()
    if not name.startswith("_") and value not in (Tags.urls, Tags.admin)
)
