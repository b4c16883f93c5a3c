"""A signed-in browser: the session cookie of a real Django session, as the login would leave it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client


def login_cookie(page: Any, base_url: str, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
