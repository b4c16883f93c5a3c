"""The test OpenID Connect provider on loopback, configured as the platform's three providers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import requests

from .provider import Provider

PROVIDERS = ("psc", "proconnect", "franceconnect")


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    started = Provider().start()
    settings.SOLIDARITE_OIDC = {name: started.settings_for(name) for name in PROVIDERS}
    yield started
    started.stop()


def consent(authorize_url: str, accept: bool = True) -> str:
    """What a person does on the provider's page: read it, press "Accepter" or "Refuser"; the callback URL."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    fields = {k: v.replace("&amp;", "&").replace("&quot;", '"') for k, v in fields.items()}
    fields["decision"] = "accepter" if accept else "refuser"
    answer = requests.post(
        urlparse(authorize_url)._replace(path="/authorize", query="").geturl(),
        data=fields,
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    return str(answer.headers["Location"])


def login(client: Any, name: str, accept: bool = True) -> Any:
    """The whole round trip through Django's test client and the provider over HTTP."""
    start = client.get(f"/connexion/{name}/")
    assert start.status_code == 302, start.content
    callback = urlparse(consent(start["Location"], accept))
    return client.get(f"{callback.path}?{callback.query}")
