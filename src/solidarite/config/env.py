"""Readers of the environment variables the settings declare: each checks its value and, when it is wrong,
stops start-up with a French message that names the variable (never a traceback: see config/checks.py and
`python -m solidarite`)."""

from __future__ import annotations

import importlib.util
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "oui", "yes", "on"}:
        return True
    if value in {"0", "false", "non", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} : valeur booléenne attendue (true/false, 1/0, oui/non).")


def env_int(name: str, default: int, minimum: int, maximum: int, what: str) -> int:
    """An integer setting between `minimum` and `maximum`; anything else stops start-up with a French sentence
    naming the variable (`python -m solidarite` prints it without a traceback)."""
    raw = env_str(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} n'est pas valable : {what}.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} : entre {minimum} et {maximum}.")
    return value


def env_url(name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """An address setting: one of `schemes`, with a host; anything else stops start-up in French."""

    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " ou ".join(f"{scheme}://" for scheme in schemes)
        raise ImproperlyConfigured(f"{name}={value!r} : une adresse commençant par {allowed} est attendue.")
    return value


def env_dotted_path(name: str, default: str) -> str:
    """The dotted path of a class (a backend); a module that cannot be found stops start-up in French."""
    value = env_str(name, default)
    module, _, attribute = value.rpartition(".")
    try:
        found = bool(module and attribute and importlib.util.find_spec(module))
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ImproperlyConfigured(f"{name}={value!r} : le chemin d'une classe (module.Classe) est attendu.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_seconds(name: str, default: str) -> float:
    try:
        value = float(env_str(name, default))
    except ValueError:
        raise ImproperlyConfigured(f"{name} : un nombre de secondes (0 ou plus).") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} : un nombre de secondes (0 ou plus).")
    return value


def env_days(name: str, default: int) -> int:
    return env_int(name, default, 1, 20 * 366, "un nombre entier de jours est attendu")


def secret_keys(production: bool, development_key: str) -> tuple[str, list[str]]:
    """DJANGO_SECRET_KEY, and the former keys of DJANGO_SECRET_KEY_FALLBACKS (comma-separated).

    A former key is declared after a routine change of the key: the links already sent to patients (cancel, move,
    waitlist), the open sessions, a request sent again with its Idempotency-Key and the one-appointment-a-day rule
    still recognise what it signed. Keep one 63 days (the booking horizon), 125 for the waitlist's withdraw links;
    never a leaked one, which would still validate forged links (ADR 0004). The daily task `empreintes` puts the
    appointments to come under the new key in any case. In production every key has 50 characters at least and is
    not the development one; elsewhere the development key stands in for a missing one."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if not key:
        if production:
            raise ImproperlyConfigured(
                "DJANGO_SECRET_KEY est obligatoire en production (une chaîne aléatoire d'au moins 50 caractères)."
            )
        key = development_key
    elif production and (key == development_key or len(key) < 50):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY est trop courte ou est la clé de développement.")
    former = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])
    if production and any(old == development_key or len(old) < 50 for old in former):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY_FALLBACKS : chaque ancienne clé fait au moins 50 caractères et n'est pas la clé de "
            "développement."
        )
    return key, former
