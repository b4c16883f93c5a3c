"""The Content-Security-Policy (issue 18, point 5), without a browser: every route of the URL configuration answers
with the policy, and no HTML page carries anything inline that it would block (tests/browser/test_csp.py runs the
same pages in Chromium, with their scripts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.pages import ROLES, make_samples, missing_message, plan

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.PACKAGE_DIR)
# Written to disk by `python -m solidarite zonage` as a standalone file, never served (docs/decisions/0008-csp.md).
STANDALONE = {"zonage/templates/zonage/rapport.html"}
DATA_SCRIPTS = {"application/json", "application/ld+json", "application/geo+json"}


class InlineFinder(HTMLParser):
    """What a policy without 'unsafe-inline' blocks: <style>, style="…", on…="…", <script> holding code,
    javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not values.get("src") and values.get("type") not in DATA_SCRIPTS:
            self.found.append("<script> en ligne")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_content(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_the_policy_is_strict() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    assert (
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY is None
    )  # enforced unless SOLIDARITE_CSP_RAPPORT_SEULEMENT


# django-dsfr's DsfrConfig form (in the back office) has URL fields without assume_scheme: Django 5.2 warns.
DSFR_URLFIELD = "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"


@pytest.mark.filterwarnings(DSFR_URLFIELD)
def test_every_route_answers_with_the_policy_and_no_page_carries_inline_code() -> None:
    samples = make_samples()
    visits, missing = plan(samples)
    assert not missing, missing_message(missing)
    clients: dict[str, Client] = {}
    faults: list[str] = []
    for route, visit in visits:
        if visit.role not in clients:
            clients[visit.role] = Client()
            user = ROLES[visit.role](samples)
            if user is not None:
                clients[visit.role].force_login(user)
        response = clients[visit.role].get(visit.url)
        where = f"{route} ({visit.url}, {visit.role})"
        if visit.status is not None and response.status_code != visit.status:
            faults.append(f"{where} : statut {response.status_code} au lieu de {visit.status}")
        if response.status_code >= 500:
            faults.append(f"{where} : statut {response.status_code}")
        policy = response.headers.get("Content-Security-Policy", "")
        if "default-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
            faults.append(f"{where} : en-tête Content-Security-Policy absent ou permissif ({policy!r})")
        is_html = response.headers.get("Content-Type", "").startswith("text/html")
        if visit.html and response.status_code == 200 and not is_html:
            faults.append(f"{where} : page attendue, reçu {response.headers.get('Content-Type')}")
        if is_html:
            faults.extend(f"{where} : {item}" for item in inline_content(response.content.decode()))
    print(f"CSP (client de test) : {len(visits)} réponses vérifiées, {len(faults)} faute(s)")
    assert faults == []


def test_no_template_carries_inline_style_or_script() -> None:
    """Templates reached only by a POST (the booking's confirmation, the sign-up's receipt) included."""
    faults = []
    for path in sorted(TEMPLATES.glob("*/templates/**/*.html")):
        relative = path.relative_to(TEMPLATES).as_posix()
        if relative in STANDALONE:
            continue
        text = re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"{[{%].*?[}%]}", "x", text, flags=re.S)  # a tag's value stands for any value
        faults.extend(f"{relative} : {item}" for item in inline_content(text))
    assert faults == []


def test_the_standalone_report_is_not_served() -> None:
    """rapport.html keeps its <style> because it is a file on disk: no route renders it."""
    from tests.pages import named_routes

    assert named_routes()  # the walk sees routes at all
    sources = "\n".join(p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.py"))
    assert sources.count("zonage/rapport.html") == 1  # the zonage command's render_to_string only


def test_the_tile_host_comes_from_the_tile_setting() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from solidarite.config.settings import tile_origin

    ign = "https://data.geopf.fr/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    assert tile_origin(ign) == ["https://data.geopf.fr"]
    assert tile_origin("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == [
        "https://*.tile.openstreetmap.org"
    ]
    assert tile_origin("http://127.0.0.1:8080/{z}/{x}/{y}.png") == ["http://127.0.0.1:8080"]
    assert tile_origin("") == []  # a map without background: no host allowed
    for bad in (
        "data.geopf.fr/wmts",
        "javascript:alert(1)",
        "https://{z}.exemple.fr/",
        "https://a.fr;script-src *",
    ):
        with pytest.raises(ImproperlyConfigured, match="SOLIDARITE_TUILES_URL"):
            tile_origin(bad)


def _settings_in_a_new_process(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "from solidarite.config import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY is None, s.CONTENT_SECURITY_POLICY_REPORT_ONLY is None, "
        "s._CSP['DIRECTIVES']['img-src'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_report_only_is_a_switch_read_from_the_environment() -> None:
    assert _settings_in_a_new_process().stdout.split()[:2] == ["False", "True"]  # enforced by default
    assert _settings_in_a_new_process(SOLIDARITE_CSP_RAPPORT_SEULEMENT="1").stdout.split()[:2] == [
        "True",
        "False",
    ]
    refused = _settings_in_a_new_process(SOLIDARITE_CSP_RAPPORT_SEULEMENT="peut-être")
    assert refused.returncode != 0 and "SOLIDARITE_CSP_RAPPORT_SEULEMENT" in refused.stderr
    assert "valeur booléenne attendue" in refused.stderr
    no_tiles = _settings_in_a_new_process(SOLIDARITE_TUILES_URL="")
    assert no_tiles.stdout.strip().endswith("[\"'self'\", 'data:']")


def test_in_report_only_mode_the_browser_is_told_to_report_not_to_block() -> None:
    policy = settings.CONTENT_SECURITY_POLICY
    with override_settings(CONTENT_SECURITY_POLICY=None, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        response = Client().get("/rendez-vous/")  # a new client: the middleware reads the settings anew
    assert "Content-Security-Policy" not in response.headers
    assert "default-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]
    response = Client().get("/rendez-vous/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_the_header_written_once_is_django_csp_s_own() -> None:
    """solidarite.config.middleware.CSPMiddleware builds the header at start-up; django-csp builds it per answer."""
    from csp.decorators import csp_update
    from csp.middleware import CSPMiddleware as DjangoCsp
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from solidarite.config.middleware import CSPMiddleware

    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>page</p>")

    @csp_update({"img-src": "https://cartes.exemple.fr"})
    def with_update(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<p>carte</p>")

    request = RequestFactory().get
    ours = CSPMiddleware(page)(request("/"))["Content-Security-Policy"]
    assert ours == DjangoCsp(page)(request("/"))["Content-Security-Policy"]
    updated = CSPMiddleware(with_update)(request("/"))["Content-Security-Policy"]  # handed on to django-csp
    img_src = " ".join(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"])
    assert f"img-src {img_src} https://cartes.exemple.fr" in updated
