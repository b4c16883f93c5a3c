"""No secret and no personal data in the logs (issue 18, point 3).

The booking, moving, cancelling, waitlist, day-view and API flows run with the platform's own LOGGING
configuration at DEBUG; what its handlers emit, and every record as any handler would receive it, must hold none
of the tokens, phone numbers, e-mails, names or dates of birth the flows used. With 4xx answers on token URLs
(forged and expired), a real SMTP server that refuses the address, and an SMS operator (a real HTTP server) that
refuses the number."""

from __future__ import annotations

import copy
import datetime as dt
import http.server
import io
import json
import logging
import os
import re
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from django.utils.log import configure_logging

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.config import journaux
from solidarite.planning.models import Mission
from solidarite.rdv import messaging, services
from solidarite.rdv.models import RendezVous
from tests.factories import compte
from tests.factories import mission as _mission

NOM, PRENOM, NAISSANCE = "Zébulon-Quartz", "Philibertine", dt.date(1937, 8, 19)
TELEPHONE, EMAIL = "06 71 82 93 04", "philibertine.zq@exemple.fr"
API_NOM, API_PRENOM, API_EMAIL = "Vertumne", "Anatolie", "anatolie.v@exemple.org"
ATTENTE_NOM, ATTENTE_TELEPHONE = "Oribase", "07 48 15 16 23"


def day_view_url(medecin: MedecinVolontaire, mission: Mission) -> str:
    """The doctor's day (the list of patients, behind the doctor's login): the one place that builds its address."""
    return f"/rendez-vous/journee/{mission.pk}/"


def old_day_view_url(token: str, mission: Mission) -> str:
    """The former secret address of the day (decision 0006): a French 404 whatever the token."""
    return f"/rendez-vous/journee/{token}/{mission.pk}/"


def personal_data() -> list[str]:
    """Every form of the personal data the flows use, as it could appear in a text."""
    values = [NOM, PRENOM, API_NOM, API_PRENOM, ATTENTE_NOM, EMAIL, API_EMAIL]
    values += [NAISSANCE.isoformat(), f"{NAISSANCE:%d/%m/%Y}", "1937, 8, 19"]
    for phone in (TELEPHONE, ATTENTE_TELEPHONE):
        digits = phone.replace(" ", "")
        values += [phone, digits, "+33" + digits[1:], "33" + digits[1:], digits[1:]]
    return values


class Emitted:
    """What the configured handlers wrote, and the records as any handler would receive them."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[logging.LogRecord] = []

    def texts(self) -> list[str]:
        out = [self.stream.getvalue()]
        for record in self.records:
            out += [record.getMessage(), str(record.msg), repr(record.args), record.exc_text or ""]
            out += [record.stack_info or "", repr(record.exc_info)]
            out += [str(v) for k, v in vars(record).items() if k not in journaux.STANDARD_ATTRIBUTES]
        return out

    def leaks(self, secrets: list[str]) -> list[str]:
        joined = "\n".join(self.texts())
        return sorted({secret for secret in secrets if secret and secret in joined})


class Collector(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture
def emitted() -> Iterator[Emitted]:
    """The platform's LOGGING (settings.LOGGING_CONFIG), every logger at DEBUG, its handlers writing to a buffer."""
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    for logger in config.get("loggers", {}).values():
        logger["level"] = "DEBUG"
    configure_logging(settings.LOGGING_CONFIG, config)
    found = Emitted()
    root = logging.getLogger()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(found.stream)
    collector = Collector(found.records)
    root.addHandler(collector)
    try:
        yield found
    finally:
        root.removeHandler(collector)
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


class RefusingSmtp(socketserver.StreamRequestHandler):
    """A mail server that refuses every recipient, quoting the address as real servers do."""

    def handle(self) -> None:
        self.wfile.write(b"220 refus.invalid ESMTP\r\n")
        for raw in self.rfile:
            line = raw.decode("ascii", "replace").strip()
            verb = line[:4].upper()
            if verb == "QUIT":
                self.wfile.write(b"221 au revoir\r\n")
                return
            if verb == "RCPT":
                address = line.split(":", 1)[1].strip()
                self.wfile.write(f"550 5.1.1 {address} : destinataire inconnu\r\n".encode())
            elif verb == "EHLO":
                self.wfile.write(b"250 refus.invalid\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


class RefusingSms(http.server.BaseHTTPRequestHandler):
    """An SMS operator that refuses the number, quoting it in its message (Brevo's shape)."""

    def do_POST(self) -> None:
        sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"code": "invalid_parameter", "message": f"numéro invalide : {sent['recipient']}"})
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_servers(settings: Any) -> Iterator[None]:
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RefusingSmtp)
    sms = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefusingSms)
    for server in (smtp, sms):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.server_address[1]
    settings.SOLIDARITE_SMS_BACKEND = "solidarite.rdv.sms.BrevoBackend"
    settings.SOLIDARITE_SMS_BREVO_CLE = "cle-de-test"
    settings.SOLIDARITE_SMS_BREVO_URL = f"http://127.0.0.1:{sms.server_address[1]}/v3/transactionalSMS/send"
    try:
        yield
    finally:
        for server in (smtp, sms):
            server.shutdown()
            server.server_close()


def _tokens_in(text: str) -> list[str]:
    return re.findall(r"/(?:gerer|attente)/([^/\"'\s]+)/", text)


@pytest.mark.django_db
def test_the_patient_and_doctor_flows_log_no_secret_and_no_personal_data(
    emitted: Emitted, refusing_servers: None
) -> None:
    mission = _mission()
    slots = [c.id for c in services.slots(mission.lieu, mission.date, mission.date)]
    secrets = [*personal_data(), mission.medecin.jeton_calendrier]
    site, api = Client(), Client()

    # Booking on the site, then the confirmation's link: seen, moved, cancelled.
    patient = {
        "nom": NOM,
        "prenom": PRENOM,
        "date_naissance": f"{NAISSANCE:%d/%m/%Y}",
        "telephone": TELEPHONE,
    }
    booked = site.post(f"/rendez-vous/creneau/{slots[0]}/", {**patient, "email": EMAIL})
    assert booked.status_code == 200, booked.content
    token = _tokens_in(booked.content.decode())[0]
    assert site.get(f"/rendez-vous/gerer/{token}/").status_code == 200
    moved = site.post(f"/rendez-vous/gerer/{token}/deplacer/{slots[1]}/")
    assert moved.status_code == 200
    new_token = _tokens_in(moved.content.decode())[0]
    assert site.post(f"/rendez-vous/gerer/{new_token}/").status_code == 200
    secrets += [token, new_token]

    # The API: search, slots, booking, a replayed key, cancelling.
    assert api.get("/api/v1/lieux", {"commune": mission.lieu.commune.code_insee}).status_code == 200
    day = mission.date.isoformat()
    assert api.get(f"/api/v1/lieux/{mission.lieu_id}/creneaux", {"du": day, "au": day}).status_code == 200
    body = {"creneau": slots[2], "nom": API_NOM, "prenom": API_PRENOM, "date_naissance": "1937-08-19"}
    body["email"] = API_EMAIL
    first = api.post(
        "/api/v1/rendez-vous", body, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    api_token = first.json()["jeton"]
    secrets.append(api_token)
    api.post("/api/v1/rendez-vous", body, content_type="application/json", headers={"Idempotency-Key": "k"})
    assert api.post("/api/v1/rendez-vous", body, content_type="application/json").status_code == 409
    assert api.delete(f"/api/v1/rendez-vous/{api_token}").status_code == 204
    assert api.delete(f"/api/v1/rendez-vous/{api_token}").status_code == 409

    # The waitlist: sign up, withdraw.
    du = timezone.localdate() + dt.timedelta(days=1)
    waitlist = {"nom": ATTENTE_NOM, "prenom": PRENOM, "telephone": ATTENTE_TELEPHONE}
    waitlist |= {"du": f"{du:%d/%m/%Y}", "au": f"{du + dt.timedelta(days=30):%d/%m/%Y}"}
    signed_up = site.post(f"/rendez-vous/lieu/{mission.lieu_id}/attente/", waitlist)
    assert signed_up.status_code == 200, signed_up.content
    waitlist_token = _tokens_in(signed_up.content.decode())[0]
    secrets.append(waitlist_token)

    # Messages: the mail server refuses the addresses, the SMS operator the numbers.
    assert messaging.send_due(timezone.now() + dt.timedelta(hours=1)) > 0
    assert site.post(f"/rendez-vous/attente/{waitlist_token}/").status_code == 200

    # The doctor's day: the list of patients, presence noted.
    today = _mission(days_ahead=0)
    start = timezone.make_aware(dt.datetime.combine(today.date, dt.time(23, 30)))
    seen = RendezVous.objects.create(
        mission=today, lieu=today.lieu, debut=start, fin=start + dt.timedelta(minutes=20),
        nom=NOM, prenom=PRENOM, date_naissance=NAISSANCE, telephone="+33671829304",
    )  # fmt: skip
    url = day_view_url(today.medecin, today)
    secrets.append(today.medecin.jeton_calendrier)
    site.force_login(compte(today.medecin))
    assert NOM.upper() in site.get(url).content.decode()
    assert site.post(url, {"rendez_vous": seen.pk, "statut": "vu"}).status_code == 302
    assert site.get("/planning/medecin/missions/").status_code == 200
    assert site.get(f"/planning/medecin/{today.medecin.jeton_calendrier}/missions.ics").status_code == 200
    assert site.get(old_day_view_url(today.medecin.jeton_calendrier, today)).status_code == 404
    site.logout()

    # 4xx on every token URL: forged, expired.
    expired = signing.dumps({"r": seen.pk, "e": 1}, salt=services.JETON_SALT, compress=True)
    forged = ["jeton-forge-4f1c9a2b", expired, token + "x"]
    secrets += forged
    for bad in forged:
        assert site.get(f"/rendez-vous/gerer/{bad}/").status_code == 403
        assert site.post(f"/rendez-vous/gerer/{bad}/deplacer/{slots[3]}/").status_code == 403
        assert site.post(f"/rendez-vous/attente/{bad}/").status_code == 403
        assert site.get(old_day_view_url(bad, today)).status_code == 404
        assert site.get(f"/planning/medecin/{bad}/missions/").status_code == 404
        # not of a jeton's form: 422 (interop.entrees); of the form, but forged or expired: 403
        assert api.delete(f"/api/v1/rendez-vous/{bad}").status_code == (422 if bad == forged[0] else 403)

    assert emitted.leaks(secrets) == [], [
        t for t in emitted.texts() if any(s in t for s in emitted.leaks(secrets))
    ][:5]
    emitted_text = emitted.stream.getvalue()
    assert "Forbidden" in emitted_text and "Not Found" in emitted_text and journaux.MASK in emitted_text
    assert "non envoyé" in emitted_text  # the refusals were logged: the flows did reach the logs


@pytest.mark.django_db
def test_every_secret_route_of_the_urlconf_is_masked() -> None:
    """Derived from the URLconf: a new route with a `jeton`/`token` parameter is covered without a list."""
    routes = journaux.secret_routes(get_resolver().url_patterns)
    assert len(routes) >= 5  # gerer (and deplacer), attente, journee, planning/medecin, API
    secret = "Zz9-SECRET-Zz9"
    sample = {"str": "x1", "int": "12", "identifiant": "12", "slug": "x", "path": "a/b", "uuid": "0" * 32}
    for route in _routes_with_secret(get_resolver().url_patterns):
        path = "/" + re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: secret if journaux.SECRET_PARAMETER.search(m[2]) else sample[m[1] or "str"],
            route,
        )
        masked = journaux.redact(f"Forbidden: {path}")
        assert secret not in masked and journaux.MASK in masked, (route, masked)
    # The known ones, each found.
    for path in (
        "/rendez-vous/gerer/",
        "/rendez-vous/attente/",
        "/planning/medecin/",
        "/rendez-vous/journee/",
    ):
        assert journaux.redact(f"x {path}{secret}/1/") == f"x {path}{journaux.MASK}/1/"
    assert journaux.redact(f"/api/v1/rendez-vous/{secret}") == f"/api/v1/rendez-vous/{journaux.MASK}"
    assert journaux.redact("/rendez-vous/lieu/12/attente/") == "/rendez-vous/lieu/12/attente/"


def test_a_new_process_reads_the_secret_routes_at_its_first_logged_path() -> None:
    """The URLconf is not read when the platform starts (every view imported: 0.6 s of each command), but when a
    first text with a « / » is masked: that first record, in a fresh process, is masked all the same."""
    code = (
        "import django, logging, sys\n"
        "django.setup()\n"
        "assert 'solidarite.connexion.views' not in sys.modules, 'URLconf lue au démarrage'\n"
        "logging.getLogger('solidarite').error('Forbidden: /rendez-vous/gerer/Zz9-SECRET-Zz9/ et sans chemin')\n"
        "assert 'solidarite.connexion.views' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "solidarite.config.settings"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "/rendez-vous/gerer/[masqué]/ et sans chemin" in result.stderr
    assert "Zz9-SECRET-Zz9" not in result.stderr


def test_a_record_made_while_the_routes_are_read_gets_the_generic_patterns() -> None:
    """A module of the URLconf that logs as it is imported re-enters the masking: it gets the generic patterns
    (no deadlock, no recursion), and the paths are there for the next record."""
    seen: list[str] = []

    def source() -> list[str]:
        seen.append(journaux.redact("pendant : /secret/Zz9-SECRET-Zz9/ 06 71 82 93 04"))
        return ["/secret/(" + journaux.SEGMENT + ")"]

    saved = (journaux._redactor, journaux._pending)
    try:
        journaux._redactor, journaux._pending = journaux.Redactor(), None
        journaux.defer_secret_paths(lambda: None)  # the applications still loading: tried again later
        assert journaux.redact("/secret/a/") == "/secret/a/" and journaux._pending is not None
        journaux.defer_secret_paths(source)
        assert journaux.redact("après : /secret/Zz9-SECRET-Zz9/") == f"après : /secret/{journaux.MASK}/"
        assert seen == [f"pendant : /secret/Zz9-SECRET-Zz9/ {journaux.MASK}"]
        assert journaux._pending is None
    finally:
        journaux._redactor, journaux._pending = saved


def _routes_with_secret(patterns: Any, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        text = str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _routes_with_secret(pattern.url_patterns, prefix + text)
        elif re.search(r"<(?:\w+:)?(?:\w+_)?(?:jeton|token)>", text):
            yield prefix + text


@pytest.mark.parametrize(
    "text",
    [
        "écrit à jeanne.martin+rdv@exemple.fr",
        "SMS au 06 12 34 56 78",
        "SMS au 06.12.34.56.78",
        "SMS au 0612345678",
        "SMS au +33 6 12 34 56 78",
        "SMS au +33612345678",
        "SMS au 0033 6 12 34 56 78",
        "SMS au 33612345678",
        "SMS au +442079460958",
        "lien .eJyrVipSsjKy0FEqUrIyNDE1NzU2NzA0M9EBAD8VBxE:1xZNDU:QMtz9IKj1teaddDQd3s53CR7PPJuJbJTpFuDmPiT_Bw",
    ],
)
def test_the_redactor_masks_addresses_numbers_and_signed_values(text: str) -> None:
    masked = journaux.redact(text)
    assert masked.endswith(journaux.MASK) and masked.split(" ")[0] == text.split(" ")[0], masked


@pytest.mark.parametrize(
    "text",
    [
        "rendez-vous 1234 réservé (lieu 56)",
        "créneau 12-202612011030",
        "2026-12-04 07:55:37,125",
        "RPPS 10003456789",
    ],
)
def test_the_redactor_leaves_identifiers_and_times(text: str) -> None:
    assert journaux.redact(text) == text


def test_arguments_tracebacks_stacks_and_extras_are_masked(emitted: Emitted) -> None:
    import smtplib

    log = logging.getLogger("solidarite.essai")
    log.warning("envoi à %s", "jeanne@exemple.fr")
    log.info("envoi à %(qui)s", {"qui": "06 12 34 56 78"})
    try:
        raise smtplib.SMTPRecipientsRefused({"jeanne@exemple.fr": (550, b"jeanne@exemple.fr inconnu")})
    except smtplib.SMTPRecipientsRefused:
        log.exception("échec de l'envoi")
    log.warning("pile", stack_info=True, extra={"destinataire": "jeanne@exemple.fr"})
    assert emitted.leaks(["jeanne@exemple.fr", "06 12 34 56 78"]) == []
    text = emitted.stream.getvalue()
    assert "SMTPRecipientsRefused" in text and "Traceback" in text and "Stack (most recent call last)" in text


def test_a_refusal_is_logged_without_its_traceback_an_error_with_it(emitted: Emitted) -> None:
    """An outside probe (6 December): a 403 on /pilotage/simulations/ was logged with the PermissionDenied's
    whole traceback, as if the platform had failed."""
    from django.contrib.admin.exceptions import DisallowedModelAdminLookup
    from django.core.exceptions import PermissionDenied

    try:  # as django.core.handlers.exception logs a lookup the back office does not allow (a 400)
        raise DisallowedModelAdminLookup("Filtering by cdom__region__code not allowed")
    except DisallowedModelAdminLookup as exc:
        logging.getLogger("django.security.DisallowedModelAdminLookup").error(
            str(exc), exc_info=exc, extra={"status_code": 400}
        )
    log = logging.getLogger("django.request")
    for status in (403, 500):
        try:
            raise PermissionDenied("refus")
        except PermissionDenied as exc:
            log.warning(
                "Réponse %s : %s",
                status,
                "/pilotage/simulations/",
                extra={"status_code": status},
                exc_info=exc,
            )
    lines = emitted.stream.getvalue()
    assert "Réponse 403 : /pilotage/simulations/" in lines and "cdom__region__code not allowed" in lines
    assert lines.count("Traceback") == 1 and lines.index("Traceback") > lines.index("Réponse 500")
