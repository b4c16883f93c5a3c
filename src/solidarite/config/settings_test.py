"""Test settings: the base settings, made strict (undefined template variables fail) and fast."""

import os

os.environ.setdefault("SOLIDARITE_ENV", "test")

from django.template.base import TemplateSyntaxError

from solidarite.config.settings import *  # noqa: F403
from solidarite.config.settings import TEMPLATES


class UndefinedTemplateVariable(str):
    """Rendered for a variable that does not exist: the test fails instead of printing nothing."""

    def __mod__(self, other: object) -> str:
        raise TemplateSyntaxError(f"Variable de gabarit indéfinie : {other!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = UndefinedTemplateVariable("%s")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
SOLIDARITE_TUILES_URL = ""  # no request leaves the machine in tests

# SQLite as in production: a file in WAL mode, where concurrent writers wait their turn (the booking
# guarantee is tested from several threads). The in-memory shared cache would fail them instead.
from solidarite.config.settings import DATABASES, REPO_ROOT  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(REPO_ROOT / "var" / "test.sqlite3")}
SOLIDARITE_SMS_BACKEND = "solidarite.rdv.sms.LocmemBackend"
# No request limit in the tests, but where a test turns it on (override_settings).
SOLIDARITE_LIMITE_RESERVATIONS = 0
SOLIDARITE_LIMITE_RECHERCHES = 0
# The active lieux are read at every search (kept 30 s in a process otherwise; bulk-created lieux send no signal).
SOLIDARITE_LIEUX_TTL_S = 0.0
# Commune positions too (kept 10 min in a process otherwise; the tests load their own territory).
SOLIDARITE_COMMUNES_TTL_S = 0.0
# Not the spelling index of the commune names (600 s, as in production): its 0.6 s build would be paid by every
# search that proposes a name, and the tests' territory keeps its names (load_territoire forgets it on commit).
SOLIDARITE_ORTHOGRAPHE_TTL_S = 600.0
# The next free slots shown by searches too (kept 3 s in a process otherwise; tests change them directly).
SOLIDARITE_PROCHAINS_TTL_S = 0.0
# The pilotage aggregates too (kept 60 s in the cache otherwise; tests change the data between two requests).
SOLIDARITE_PILOTAGE_TTL_S = 0.0
# Static files from the source folders, no collectstatic needed (one test collects them and serves them as in
# production: tests/config/test_production.py).
# No collected folder either (WhiteNoise would warn that it is missing, and warnings fail the tests).
STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
